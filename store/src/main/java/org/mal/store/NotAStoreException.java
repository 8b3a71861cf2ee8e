package org.mal.store;

import java.nio.file.Path;

/**
 * The folder is not a MAL store: missing, a regular file, a folder of other files, or a RocksDB
 * database that MAL did not create. Nothing in the folder has been changed.
 */
public final class NotAStoreException extends StoreException {
    private static final long serialVersionUID = 1L;

    public NotAStoreException(Path store, String why) {
        super(store, store + " is not a MAL store: " + why);
    }
}
