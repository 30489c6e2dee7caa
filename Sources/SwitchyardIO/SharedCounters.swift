import CLinux
import Glibc
import Synchronization

/// Counters shared by every process of one instance: a memfd mapped `MAP_SHARED` by the supervisor and each
/// worker, so that one scrape of any worker can sum the whole instance. Made by the supervisor, inherited by the
/// workers as an fd; its size is sealed, so no holder can shrink it under another's mapping.
///
/// Layout (64-bit words, fixed at creation):
/// - a header: magic, the capacities, and three atomic allocation cursors (series, cell words, global words);
/// - one **cell header** per cell (owner pid, ever-used flag), 64 bytes each;
/// - a **series dictionary**, append-only: each entry is a family number, a kind, a word count, the word offset and
///   up to ``maxLabelBytes`` of label text, published with a release store of its state word;
/// - **global words**, one copy per instance (rate-limit states);
/// - **cells**: one per worker process, each holding every series' words at the series' offset.
///
/// A worker claims a free cell (compare-and-swap of its pid into the owner word) and adds to its own cell only,
/// with relaxed atomics: no locks, no system calls, no cache line shared with another writer on the hot path.
/// Readers sum a word over every cell ever used. When the supervisor reaps a worker it releases the cell: gauge
/// words are zeroed (the dead worker's in-flight counts end with it), counter words are kept, and the next
/// worker that claims the cell keeps adding to them, so instance counters never go backwards while the instance
/// lives. Two processes that add the same series at once get two entries with the same text; readers merge
/// entries by (family, labels), so that is harmless.
package final class SharedCounters: @unchecked Sendable {
    /// The capacities of a region.
    package struct Layout: Sendable, Equatable {
        /// Cells (worker processes that may hold one at the same time).
        package var cells: Int
        /// Series the dictionary can hold.
        package var series: Int
        /// Words of each cell.
        package var wordsPerCell: Int
        /// Words shared by the whole instance.
        package var globalWords: Int

        package init(cells: Int, series: Int = 4096, wordsPerCell: Int = 32768, globalWords: Int = 4096) {
            self.cells = cells
            self.series = series
            self.wordsPerCell = wordsPerCell
            self.globalWords = globalWords
        }
    }

    /// How a series' words behave when the cell's process ends.
    package enum Kind: UInt8, Sendable {
        /// Kept: the next process using the cell adds to them.
        case counter = 0
        /// Zeroed when the cell is released.
        case gauge = 1
        /// Not in any cell: one copy for the instance (``globalWord(_:)``).
        case global = 2
    }

    /// One published series.
    package struct Entry: Sendable, Equatable {
        package var family: UInt8
        package var kind: Kind
        package var words: Int
        /// Word offset in every cell (or in the global words for ``Kind/global``).
        package var offset: Int
        package var labels: [UInt8]
    }

    /// Longest label text of one series.
    package static let maxLabelBytes = 232
    private static let magic: UInt64 = 0x5359_4D45_5452_4331  // "SYMETRC1"
    /// `MAP_FAILED`, `(void *)-1` (a macro Swift does not import).
    nonisolated(unsafe) private static let mapFailed = UnsafeMutableRawPointer(bitPattern: -1)
    private static let headerWords = 8
    private static let cellHeaderWords = 8
    private static let entryBytes = 256
    private static let entryHeaderBytes = 24

    /// The region's descriptor (close-on-exec); the creator hands it to children.
    package let fd: Int32
    package let layout: Layout
    private let base: UnsafeMutableRawPointer
    private let size: Int
    private let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let entriesBase: UnsafeMutableRawPointer
    private let globalBase: Int
    private let cellsBase: Int

    /// A new zeroed region with `layout`; `name` shows in `/proc/PID/fd` as `memfd:NAME`. Its fd is ≥ 10, clear of
    /// the descriptor numbers handed to children.
    package static func create(name: String, layout: Layout) throws(IOError) -> SharedCounters {
        let size = byteCount(layout)
        let created = try syscall("memfd_create") { sy_memfd_create_sealable(name) }
        let fd: Int32
        do {
            fd = try syscall("fcntl(F_DUPFD_CLOEXEC)") { sy_fcntl_dupfd_cloexec(created, 10) }
            close(created)
        } catch {
            close(created)
            throw error
        }
        do {
            _ = try syscall("ftruncate") { ftruncate(fd, off_t(size)) }
            _ = try syscall("fcntl(F_ADD_SEALS)") { sy_seal_size(fd) }
            let region = try SharedCounters(fd: fd, size: size, layout: layout)
            region.header(0).pointee.store(magic, ordering: .relaxed)
            region.header(1).pointee.store(UInt64(layout.cells), ordering: .relaxed)
            region.header(2).pointee.store(UInt64(layout.series), ordering: .relaxed)
            region.header(3).pointee.store(UInt64(layout.wordsPerCell), ordering: .relaxed)
            region.header(4).pointee.store(UInt64(layout.globalWords), ordering: .releasing)
            return region
        } catch {
            close(fd)
            throw error
        }
    }

    /// Maps the region an ancestor created and handed down as `fd`; fails (EINVAL) on anything else.
    package static func attach(fd: Int32) throws(IOError) -> SharedCounters {
        var status = stat()
        _ = try syscall("fstat") { fstat(fd, &status) }
        let size = Int(status.st_size)
        guard size >= headerWords * 8 else { throw IOError(call: "SharedCounters.attach", code: EINVAL) }
        // Read the header through a temporary mapping of its first page.
        guard let probe = mmap(nil, headerWords * 8, PROT_READ, MAP_SHARED, fd, 0), probe != mapFailed else {
            throw IOError(call: "mmap", code: sy_errno())
        }
        let header = probe.assumingMemoryBound(to: UInt64.self)
        let layout = Layout(cells: Int(header[1]), series: Int(header[2]), wordsPerCell: Int(header[3]), globalWords: Int(header[4]))
        let valid = header[0] == magic && byteCount(layout) == size
        munmap(probe, headerWords * 8)
        guard valid else { throw IOError(call: "SharedCounters.attach", code: EINVAL) }
        return try SharedCounters(fd: fd, size: size, layout: layout)
    }

    private init(fd: Int32, size: Int, layout: Layout) throws(IOError) {
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != Self.mapFailed else {
            throw IOError(call: "mmap", code: sy_errno())
        }
        self.fd = fd
        self.size = size
        self.layout = layout
        self.base = mapped
        self.words = mapped.assumingMemoryBound(to: Atomic<UInt64>.self)
        let entriesWord = Self.headerWords + layout.cells * Self.cellHeaderWords
        self.entriesBase = mapped + entriesWord * 8
        self.globalBase = entriesWord + layout.series * Self.entryBytes / 8
        self.cellsBase = globalBase + layout.globalWords
    }

    deinit { munmap(base, size) }

    private static func byteCount(_ layout: Layout) -> Int {
        (headerWords + layout.cells * cellHeaderWords + layout.globalWords + layout.cells * layout.wordsPerCell) * 8
            + layout.series * entryBytes
    }

    @inline(__always) private func header(_ index: Int) -> UnsafeMutablePointer<Atomic<UInt64>> { words + index }
    @inline(__always) private func cellHeader(_ cell: Int, _ index: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        words + Self.headerWords + cell * Self.cellHeaderWords + index
    }

    // MARK: cells

    /// Claims a free cell for process `pid`; nil when every cell is taken.
    package func claimCell(pid: Int32) -> Int? {
        for cell in 0..<layout.cells {
            if cellHeader(cell, 0).pointee.compareExchange(expected: 0, desired: UInt64(pid), ordering: .acquiringAndReleasing).exchanged {
                cellHeader(cell, 1).pointee.store(1, ordering: .releasing)
                return cell
            }
        }
        return nil
    }

    /// Frees the cell `pid` holds, if any: its gauge words are zeroed, its counters kept. True when one was held.
    @discardableResult
    package func releaseCell(ownedBy pid: Int32) -> Bool {
        for cell in 0..<layout.cells where cellHeader(cell, 0).pointee.load(ordering: .acquiring) == UInt64(pid) {
            for entry in entries() where entry.kind == .gauge {
                for word in entry.offset..<(entry.offset + entry.words) { cellWord(cell: cell, word).pointee.store(0, ordering: .relaxed) }
            }
            cellHeader(cell, 0).pointee.store(0, ordering: .releasing)
            return true
        }
        return false
    }

    /// The process holding `cell` (0: free).
    package func owner(of cell: Int) -> Int32 { Int32(truncatingIfNeeded: cellHeader(cell, 0).pointee.load(ordering: .acquiring)) }

    // MARK: words

    /// Word `word` of `cell`.
    @inline(__always)
    package func cellWord(cell: Int, _ word: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        words + cellsBase + cell * layout.wordsPerCell + word
    }

    /// Adds `delta` (two's complement for a decrement) to word `word` of `cell`.
    @inline(__always)
    package func add(cell: Int, word: Int, _ delta: UInt64) {
        cellWord(cell: cell, word).pointee.wrappingAdd(delta, ordering: .relaxed)
    }

    /// Word `word` summed over every cell ever used (wrapping; a gauge reads as `Int64(bitPattern:)`).
    package func sum(word: Int) -> UInt64 {
        var total: UInt64 = 0
        for cell in 0..<layout.cells where cellHeader(cell, 1).pointee.load(ordering: .acquiring) != 0 {
            total &+= cellWord(cell: cell, word).pointee.load(ordering: .relaxed)
        }
        return total
    }

    /// Global word `word` (one for the instance).
    @inline(__always)
    package func globalWord(_ word: Int) -> UnsafeMutablePointer<Atomic<UInt64>> { words + globalBase + word }

    // MARK: series

    /// The word offset of series (`family`, `labels`), published now if no entry has that text yet; nil when the
    /// dictionary or the words are full, or the labels are longer than ``maxLabelBytes``.
    package func series(family: UInt8, labels: [UInt8], kind: Kind, words count: Int) -> Int? {
        if let found = find(family: family, labels: labels, kind: kind) { return found }
        guard labels.count <= Self.maxLabelBytes, count > 0, count <= Int(UInt16.max) else { return nil }
        let index = Int(header(5).pointee.wrappingAdd(1, ordering: .relaxed).oldValue)
        guard index < layout.series else { return nil }
        let cursor = kind == .global ? header(7) : header(6)
        let limit = kind == .global ? layout.globalWords : layout.wordsPerCell
        let offset = Int(cursor.pointee.wrappingAdd(UInt64(count), ordering: .relaxed).oldValue)
        let entry = entriesBase + index * Self.entryBytes
        guard offset + count <= limit else {
            entry.assumingMemoryBound(to: Atomic<UInt64>.self).pointee.store(2, ordering: .releasing)  // dead entry
            return nil
        }
        let meta = UInt64(family) | UInt64(kind.rawValue) << 8 | UInt64(count) << 16 | UInt64(labels.count) << 32
        (entry + 8).storeBytes(of: meta, as: UInt64.self)
        (entry + 16).storeBytes(of: UInt64(offset), as: UInt64.self)
        labels.withUnsafeBytes { (entry + Self.entryHeaderBytes).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        entry.assumingMemoryBound(to: Atomic<UInt64>.self).pointee.store(1, ordering: .releasing)
        return offset
    }

    private func find(family: UInt8, labels: [UInt8], kind: Kind) -> Int? {
        let published = min(Int(header(5).pointee.load(ordering: .acquiring)), layout.series)
        for index in 0..<published {
            let entry = entriesBase + index * Self.entryBytes
            guard entry.assumingMemoryBound(to: Atomic<UInt64>.self).pointee.load(ordering: .acquiring) == 1 else { continue }
            let meta = (entry + 8).load(as: UInt64.self)
            guard UInt8(truncatingIfNeeded: meta) == family, UInt8(truncatingIfNeeded: meta >> 8) == kind.rawValue,
                  Int(truncatingIfNeeded: meta >> 32) == labels.count
            else { continue }
            let same = labels.withUnsafeBytes { memcmp($0.baseAddress ?? UnsafeRawPointer(entry), entry + Self.entryHeaderBytes, labels.count) == 0 }
            if same { return Int((entry + 16).load(as: UInt64.self)) }
        }
        return nil
    }

    /// Every published series, in publication order.
    package func entries() -> [Entry] {
        let published = min(Int(header(5).pointee.load(ordering: .acquiring)), layout.series)
        var result: [Entry] = []
        result.reserveCapacity(published)
        for index in 0..<published {
            let entry = entriesBase + index * Self.entryBytes
            guard entry.assumingMemoryBound(to: Atomic<UInt64>.self).pointee.load(ordering: .acquiring) == 1 else { continue }
            let meta = (entry + 8).load(as: UInt64.self)
            let length = Int(truncatingIfNeeded: meta >> 32)
            let labels = [UInt8](UnsafeRawBufferPointer(start: entry + Self.entryHeaderBytes, count: length))
            result.append(Entry(family: UInt8(truncatingIfNeeded: meta), kind: Kind(rawValue: UInt8(truncatingIfNeeded: meta >> 8)) ?? .counter,
                                words: Int(truncatingIfNeeded: (meta >> 16) & 0xFFFF), offset: Int((entry + 16).load(as: UInt64.self)), labels: labels))
        }
        return result
    }
}
