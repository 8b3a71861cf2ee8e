package org.mal.store;

import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The envelope every stored value is wrapped in: a format version and a checksum, so that a value
 * that was torn, flipped or written under the wrong key is detected on read and never used.
 *
 * <pre>
 * offset  size  field
 * 0       1     magic 0xA7
 * 1       1     envelope version, 1
 * 2       1     value type ({@link ValueType#code}: 1 meta, 2 evaluation, 3 journal event,
 *                            4 blob manifest, 5 blob chunk)
 * 3       4     payload length n, unsigned big-endian (n &lt; 2^31)
 * 7       n     payload
 * 7+n     4     CRC32C (Castagnoli), big-endian, over the key's bytes followed by bytes [0, 7+n)
 * </pre>
 *
 * The total is {@code n + 11} bytes. Covering the key in the CRC means a valid value copied under
 * another key is also caught. Text payloads (meta, evaluation and journal JSON) are UTF-8.
 *
 * <p>Writers that want no extra copy (blob chunks) allocate {@code HEADER + n + TRAILER} bytes,
 * put the payload at {@link #HEADER} and call {@link #seal}.
 */
final class Envelope {
    static final byte MAGIC = (byte) 0xA7;
    static final byte VERSION = 1;
    static final int HEADER = 7;
    static final int TRAILER = 4;
    static final int OVERHEAD = HEADER + TRAILER;

    /** What a value is; a value read where another type is expected is corrupt. */
    enum ValueType {
        META(1), EVALUATION(2), JOURNAL_EVENT(3), BLOB_MANIFEST(4), BLOB_CHUNK(5);

        final byte code;

        ValueType(int code) { this.code = (byte) code; }
    }

    private Envelope() {}

    /** A new envelope holding a copy of {@code payload}. */
    static byte[] wrap(byte[] key, ValueType type, byte[] payload) {
        byte[] out = new byte[payload.length + OVERHEAD];
        System.arraycopy(payload, 0, out, HEADER, payload.length);
        seal(key, type, out, payload.length);
        return out;
    }

    /**
     * Writes the header and the CRC around a payload already at {@code buf[HEADER, HEADER + n)}.
     * Modifies {@code buf[0, HEADER)} and {@code buf[HEADER + n, HEADER + n + TRAILER)}.
     *
     * @return the envelope's length, {@code n + OVERHEAD}
     */
    static int seal(byte[] key, ValueType type, byte[] buf, int n) {
        buf[0] = MAGIC;
        buf[1] = VERSION;
        buf[2] = type.code;
        putInt(buf, 3, n);
        putInt(buf, HEADER + n, crc(key, buf, HEADER + n));
        return n + OVERHEAD;
    }

    /** The payload of a checked envelope, as a copy. */
    static byte[] unwrap(Path store, String column, byte[] key, byte[] value, ValueType expected) {
        int n = check(store, column, key, value, value.length, expected);
        byte[] payload = new byte[n];
        System.arraycopy(value, HEADER, payload, 0, n);
        return payload;
    }

    /**
     * Checks the envelope in {@code buf[0, length)}: magic, version, type, length and CRC.
     *
     * @return the payload length; the payload is at {@code buf[HEADER, HEADER + n)}
     * @throws CorruptValueException naming the column family and key when any check fails
     */
    static int check(Path store, String column, byte[] key, byte[] buf, int length, ValueType expected) {
        if (length < OVERHEAD) {
            throw new CorruptValueException(store, column, key, "value is " + length + " bytes, shorter than an envelope ("
                    + OVERHEAD + ")");
        }
        if (buf[0] != MAGIC) {
            throw new CorruptValueException(store, column, key, String.format("bad magic 0x%02x (expected 0x%02x)",
                    buf[0] & 0xff, MAGIC & 0xff));
        }
        if (buf[1] != VERSION) {
            throw new CorruptValueException(store, column, key, "unknown envelope version " + (buf[1] & 0xff)
                    + " (this build writes and reads " + VERSION + ")");
        }
        if (buf[2] != expected.code) {
            throw new CorruptValueException(store, column, key, "value type " + (buf[2] & 0xff) + " where "
                    + expected + " (" + expected.code + ") was expected");
        }
        int n = getInt(buf, 3);
        if (n < 0 || (long) n + OVERHEAD != length) {
            throw new CorruptValueException(store, column, key, "payload length " + Integer.toUnsignedString(n)
                    + " does not match the value's " + length + " bytes");
        }
        int stored = getInt(buf, HEADER + n);
        int actual = crc(key, buf, HEADER + n);
        if (stored != actual) {
            throw new CorruptValueException(store, column, key, String.format("CRC32C mismatch: stored %08x, computed %08x",
                    stored, actual));
        }
        return n;
    }

    private static int crc(byte[] key, byte[] buf, int length) {
        CRC32C crc = new CRC32C();
        crc.update(key, 0, key.length);
        crc.update(buf, 0, length);
        return (int) crc.getValue();
    }

    static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    static void putLong(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) v = v << 8 | (b[at + i] & 0xff);
        return v;
    }
}
