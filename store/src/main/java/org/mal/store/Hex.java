package org.mal.store;

import java.util.HexFormat;

/** Lower-case hex, and the check that a string is a SHA-256 in that form. */
final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {}

    /** A fresh SHA-256 digest (every Java platform has one). */
    static java.security.MessageDigest sha256() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    static String of(byte[] bytes) { return bytes == null ? "null" : HEX.formatHex(bytes); }

    static byte[] parse(String hex) { return HEX.parseHex(hex); }

    /** Parses a SHA-256 given as 64 lower-case hex digits; anything else is rejected. */
    static byte[] sha256(String hex, String what) {
        if (hex == null || hex.length() != 64) {
            throw new IllegalArgumentException(what + " must be a SHA-256 as 64 lower-case hex digits, got " + hex);
        }
        for (int i = 0; i < 64; i++) {
            char c = hex.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                throw new IllegalArgumentException(what + " must be a SHA-256 as 64 lower-case hex digits, got " + hex);
            }
        }
        return HEX.parseHex(hex);
    }
}
