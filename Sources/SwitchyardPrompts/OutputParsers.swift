/// Reads the answers of the builtin prompts out of what models actually write: lists with any bullet, intros,
/// markdown emphasis, explanations around the one word that matters.
package enum OutputParsers {
    /// Questions from a model's list: copes with `1.`, `1)`, `-`, `*`, `•` bullets, an intro sentence (a line ending in ':' or not ending in '?' before the list), blank-line-separated questions; strips numbering and surrounding whitespace; keeps only non-empty items.
    ///
    /// Also: `(1)`, `Q1:`, `Question 1:` / `Pytanie 1:` numbering, markdown bold (`**1.** …`) and headings
    /// (`# …`), and a list item wrapped onto the next line (joined while the item has no `?` yet). When the answer
    /// is a list, lines outside it (an intro or a closing remark, even one ending in `?`) are dropped; when it is
    /// not, lines ending in `:` are dropped, and so are lines before the first and after the last line ending in
    /// `?` when there is one.
    package static func questions(_ text: String) -> [String] {
        struct Item {
            var text: String
            var listed: Bool
            /// Whether the next non-blank line may continue this item.
            var open: Bool
        }
        var items: [Item] = []
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = trimmed(removingBold(String(raw)))
            guard !line.isEmpty, !line.hasPrefix("#") else {
                if !items.isEmpty { items[items.count - 1].open = false }
                continue
            }
            if let rest = listItem(line) {
                items.append(Item(text: rest, listed: true, open: true))
            } else if let last = items.last, last.listed, last.open, !last.text.hasSuffix("?") {
                items[items.count - 1].text += " " + line
            } else {
                if !items.isEmpty { items[items.count - 1].open = false }
                items.append(Item(text: line, listed: false, open: false))
            }
        }
        var lines: [String]
        if items.contains(where: \.listed) {
            lines = items.filter(\.listed).map(\.text)
        } else {
            lines = items.map(\.text).filter { !$0.hasSuffix(":") }
            if let first = lines.firstIndex(where: { $0.hasSuffix("?") }), let last = lines.lastIndex(where: { $0.hasSuffix("?") }) {
                lines = Array(lines[first...last])
            }
        }
        return lines.map { trimmed(unquoted($0)) }.filter { !$0.isEmpty }
    }

    /// "positive", "negative" or "ambivalent" found in a sentence (any case; also Polish pozytywn*/negatywn*/ambiwalentn*/neutraln* → ambivalent); nil when none or more than one class is named.
    ///
    /// English `neutral*` and `mixed` (and Polish `mieszan*`) count as ambivalent too. One exception to "more than
    /// one": an answer that starts with a class word standing alone (followed by the end, a line break, `.`, `:`,
    /// `;`, `!`, a dash or `(`) is that class, as in "Ambivalent: the review is both positive and negative".
    package static func polarity(_ text: String) -> String? {
        let characters = Array(text.lowercased())
        var classes: [String] = []
        var index = 0
        var first = true
        while index < characters.count {
            guard characters[index].isLetter else {
                index += 1
                continue
            }
            let start = index
            while index < characters.count, characters[index].isLetter { index += 1 }
            let word = String(characters[start..<index])
            guard let polarity = polarityClass(word) else {
                first = false
                continue
            }
            if first && standsAlone(characters, after: index) { return polarity }
            first = false
            if !classes.contains(polarity) { classes.append(polarity) }
        }
        return classes.count == 1 ? classes[0] : nil
    }

    /// A label stripped of surrounding quotes (straight and typographic), a leading "Label:" prefix, whitespace and a trailing period.
    ///
    /// Also strips markdown bold and the Polish prefix "Etykieta:", and takes the first line that leaves a label
    /// (models sometimes explain their choice on the following lines).
    package static func label(_ text: String) -> String {
        for raw in text.split(whereSeparator: \.isNewline) {
            var label = String(raw)
            while true {
                var next = trimmed(removingBold(label))
                for prefix in ["label:", "etykieta:"] where next.lowercased().hasPrefix(prefix) {
                    next = String(next.dropFirst(prefix.count))
                }
                next = trimmed(unquoted(trimmed(next)))
                if next.hasSuffix(".") && !next.hasSuffix("..") { next.removeLast() }
                if next == label { break }
                label = next
            }
            if !label.isEmpty { return label }
        }
        return ""
    }

    // MARK: helpers

    /// The class a word names, by its stem.
    private static func polarityClass(_ word: String) -> String? {
        if word.hasPrefix("positiv") || word.hasPrefix("pozytywn") { return "positive" }
        if word.hasPrefix("negativ") || word.hasPrefix("negatywn") { return "negative" }
        if word.hasPrefix("ambivalen") || word.hasPrefix("ambiwalentn") || word.hasPrefix("neutral")
            || word == "mixed" || word.hasPrefix("mieszan") {
            return "ambivalent"
        }
        return nil
    }

    /// Whether what follows a word at `index` ends it as an answer of its own: the end, a line break or one of
    /// `.:;!-–—(` after optional spaces and markdown/quote characters.
    private static func standsAlone(_ characters: [Character], after index: Int) -> Bool {
        var position = index
        while position < characters.count, [" ", "\t", "*", "\"", "'", "”", "’", "`"].contains(characters[position]) {
            position += 1
        }
        guard position < characters.count else { return true }
        return characters[position].isNewline || [".", ":", ";", "!", "-", "–", "—", "("].contains(characters[position])
    }

    /// The text after a list marker at the start of `line` (`1.`, `1)`, `(1)`, `1:`, `Q1:`, `Question 1:`,
    /// `Pytanie 1:`, `-`, `*`, `•`, …), or nil when the line does not start with one.
    private static func listItem(_ line: String) -> String? {
        let characters = Array(line)
        var index = 0
        if let bullet = characters.first, ["-", "*", "•", "–", "—", "·", "+", "▪", "◦", "○"].contains(bullet) {
            index = 1
        } else {
            let parenthesized = characters.first == "("
            if parenthesized { index = 1 }
            for word in ["question", "pytanie", "q"] {
                let prefix = Array(word)
                if characters.count > index + prefix.count,
                   String(characters[index..<(index + prefix.count)]).lowercased() == word {
                    var after = index + prefix.count
                    while after < characters.count, characters[after] == " " { after += 1 }
                    if after < characters.count, characters[after].isASCII, characters[after].isNumber {
                        index = after
                        break
                    }
                }
            }
            let digits = index
            while index < characters.count, index - digits < 3, characters[index].isASCII, characters[index].isNumber { index += 1 }
            guard index > digits, index < characters.count else { return nil }
            let closers: [Character] = parenthesized ? [")"] : [".", ")", ":"]
            guard closers.contains(characters[index]) else { return nil }
            index += 1
        }
        // The marker must be followed by whitespace (or end the line): "2.5 million" and "-5" are not markers.
        guard index == characters.count || characters[index].isWhitespace else { return nil }
        let rest = trimmed(String(characters[index...]))
        // A second marker, as in "- 1. What …?", goes too.
        return listItem(rest) ?? rest
    }

    /// `text` without markdown bold markers (`**`).
    private static func removingBold(_ text: String) -> String {
        guard text.contains("*") else { return text }
        var result = ""
        var characters = text[...]
        while let character = characters.first {
            if characters.hasPrefix("**") {
                characters = characters.dropFirst(2)
            } else {
                result.append(character)
                characters = characters.dropFirst()
            }
        }
        return result
    }

    /// `text` without one pair of surrounding quotes, straight or typographic (English “…”, ‘…’, Polish „…”,
    /// guillemets, backticks).
    private static func unquoted(_ text: String) -> String {
        let pairs: [(Character, Set<Character>)] = [
            ("\"", ["\""]), ("'", ["'"]), ("`", ["`"]), ("“", ["”", "“"]), ("„", ["”", "“"]),
            ("‘", ["’"]), ("‚", ["’", "‘"]), ("«", ["»"]), ("»", ["«"]),
        ]
        guard text.count >= 2, let first = text.first, let last = text.last else { return text }
        for (open, closes) in pairs where first == open && closes.contains(last) {
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    /// `text` without surrounding whitespace (Unicode, so no-break spaces too).
    private static func trimmed(_ text: String) -> String {
        var result = Substring(text)
        while let first = result.first, first.isWhitespace { result = result.dropFirst() }
        while let last = result.last, last.isWhitespace { result = result.dropLast() }
        return String(result)
    }
}
