package org.mal.store;

import java.nio.file.Path;

/**
 * A stored value failed its check (magic, version, type, length or CRC32C; for blob chunks also
 * the SHA-256 that names them) or a value that must exist is missing. Names the column family and
 * the key in hex so the record can be found and inspected. A corrupt value is never returned.
 */
public final class CorruptValueException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final String column;
    private final String keyHex;

    public CorruptValueException(Path store, String column, byte[] key, String why) {
        super(store, "corrupt value in store " + store + ", column family '" + column + "', key "
                + Hex.of(key) + ": " + why);
        this.column = column;
        this.keyHex = Hex.of(key);
    }

    /** The column family: blobs, evaluations, journal or meta. */
    public String column() { return column; }

    /** The key, lower-case hex. */
    public String keyHex() { return keyHex; }
}
