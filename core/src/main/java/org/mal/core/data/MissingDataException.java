package org.mal.core.data;

import java.nio.file.Path;
import java.util.List;

/** A dataset's files are not in the data folder; the message names them and says how to get them. */
public final class MissingDataException extends RuntimeException {
    private final String dataset;
    private final List<Path> missingFiles;

    public MissingDataException(String dataset, List<Path> missingFiles, String message) {
        super(message);
        this.dataset = dataset;
        this.missingFiles = List.copyOf(missingFiles);
    }

    public String dataset() { return dataset; }

    public List<Path> missingFiles() { return missingFiles; }
}
