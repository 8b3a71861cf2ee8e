package org.mal.cli;

/**
 * A bad option value or combination found by a command after parsing (e.g. {@code --lambda 2},
 * {@code --map 0:0,}): printed as one line, pointing to the command's {@code --help}, with exit
 * code 2 like picocli's own usage errors.
 */
public final class UsageError extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UsageError(String message) {
        super(message);
    }

    public UsageError(String message, Throwable cause) {
        super(message, cause);
    }
}
