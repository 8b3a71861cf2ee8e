package org.mal.store;

import java.nio.file.Path;

/**
 * A failure of the store, wrapped once where it happened, naming the operation and the store's
 * folder. Unchecked: a storage failure is not something the search can work around locally; the
 * caller lets it stop the search, which resumes from the journal.
 */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path store;

    public StoreException(Path store, String message) {
        super(message);
        this.store = store;
    }

    public StoreException(Path store, String message, Throwable cause) {
        super(message, cause);
        this.store = store;
    }

    /** The store's folder (may be null when the failure is not tied to one folder). */
    public Path store() { return store; }
}
