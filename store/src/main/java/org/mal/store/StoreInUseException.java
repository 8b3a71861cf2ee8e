package org.mal.store;

import java.nio.file.Path;

/**
 * The store is already open for writing, by another process or elsewhere in this one. RocksDB's
 * {@code LOCK} file (an {@code fcntl} lock, released by the kernel when the holder dies) is what
 * enforces one writer; this exception is its readable form.
 */
public final class StoreInUseException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StoreInUseException(Path store, Throwable cause) {
        super(store, "store " + store + " is in use: another process (or another MalStore in this JVM) has it open;"
                + " only one writer at a time. Close the other one, or wait for it to exit.", cause);
    }
}
