package org.mal.core.data;

/**
 * Element types of the IDX format (the third byte of an IDX file's magic number) and their size in
 * bytes. All multi-byte values in IDX files are big-endian.
 */
public enum IdxType {
    UNSIGNED_BYTE(0x08, 1),
    SIGNED_BYTE(0x09, 1),
    SHORT(0x0B, 2),
    INT(0x0C, 4),
    FLOAT(0x0D, 4),
    DOUBLE(0x0E, 8);

    private final int code;
    private final int size;

    IdxType(int code, int size) {
        this.code = code;
        this.size = size;
    }

    /** The type byte as written in the file. */
    public int code() { return code; }

    /** Bytes per element. */
    public int size() { return size; }

    /** The type with the given type byte, or null if IDX defines none. */
    public static IdxType ofCode(int code) {
        for (IdxType t : values()) {
            if (t.code == code) return t;
        }
        return null;
    }
}
