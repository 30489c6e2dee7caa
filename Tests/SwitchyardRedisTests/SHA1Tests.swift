import Testing
@testable import SwitchyardRedis

@Suite("SHA-1")
struct SHA1Tests {
    @Test("the FIPS 180 and RFC 3174 test vectors hash to their published digests", arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "a49b2446a02c645bf419f995b67091253a04a259"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ])
    func vectors(message: String, digest: String) {
        #expect(SHA1.hexDigest(Array(message.utf8)) == digest)
    }

    @Test("a message of many blocks hashes like the reference (Python hashlib)")
    func manyBlocks() {
        let message = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        #expect(SHA1.hexDigest(message) == "0a573c2292d5cdf622dec01189c4b481f84cc8d5")
    }

    @Test("messages around the 55, 56 and 64 byte padding boundaries hash like the reference (Python hashlib)", arguments: [
        (55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"),
        (56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"),
        (63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"),
        (64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"),
        (65, "11655326c708d70319be2610e8a57d9a5b959d3b"),
    ])
    func paddingBoundaries(length: Int, digest: String) {
        #expect(SHA1.hexDigest([UInt8](repeating: 0x61, count: length)) == digest)
    }

    @Test("a script's name is the SHA-1 of its source, as Redis computes it")
    func scriptName() {
        #expect(RedisScript("return 1").sha1 == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    }
}
