package org.mal.core.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file is not a valid (or not a supported) safetensors file. The message always starts with the
 * file path, followed by what is wrong, e.g. {@code "/zoo/a.safetensors: tensor 'w': unknown dtype 'Q4'"}.
 */
public final class SafetensorsFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public SafetensorsFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }
}
