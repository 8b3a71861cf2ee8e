package org.mal.store;

import java.nio.file.Path;

/**
 * The folder is a store whose RocksDB bookkeeping is damaged (its {@code CURRENT} file or its
 * {@code MANIFEST}), so RocksDB cannot open it; the data may well be intact. Nothing in the folder
 * has been changed. {@link StoreRepair#repair} tries to recover it.
 */
public final class DamagedStoreException extends StoreException {
    private static final long serialVersionUID = 1L;

    public DamagedStoreException(Path store, String what) {
        super(store, "store " + store + " is damaged: " + what);
    }
}
