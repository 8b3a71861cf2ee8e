package org.mal.store;

/**
 * Damages a store the way a bad disk would, for tests outside the store module (through the
 * store's package-private test hooks).
 */
public final class StoreDamage {
    private StoreDamage() {}

    /** Flips a byte in every chunk of a blob's content: reading it fails on the chunk's CRC32C. */
    public static void flipAByteInEveryChunk(MalStore store) {
        for (byte[] key : store.rawKeys(MalStore.Column.BLOBS)) {
            if (key[0] != 'C') continue;   // chunks only ('C' + SHA-256 of the chunk); manifests stay intact
            byte[] raw = store.rawGet(MalStore.Column.BLOBS, key);
            raw[raw.length - 1] ^= 0x01;
            store.rawPut(MalStore.Column.BLOBS, key, raw);
        }
    }
}
