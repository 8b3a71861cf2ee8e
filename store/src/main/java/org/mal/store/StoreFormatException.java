package org.mal.store;

import java.nio.file.Path;

/**
 * The folder is a MAL store, but of a format version this build cannot read and has no migration
 * for. Nothing in the folder has been changed.
 */
public final class StoreFormatException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final int found;
    private final int expected;

    public StoreFormatException(Path store, int found, int expected) {
        super(store, "store " + store + " has format version " + found + "; this build of MAL reads format version "
                + expected + " and has no migration from " + found + ". Open it with the MAL version that wrote it.");
        this.found = found;
        this.expected = expected;
    }

    public int found() { return found; }

    public int expected() { return expected; }
}
