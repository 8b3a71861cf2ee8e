package org.mal.core.config;

import com.typesafe.config.Config;

/**
 * Makes a configured plug-in (a law, an objective, an aligner, a merger, a λ rule) from its HOCON settings.
 * Implementations need a public no-argument constructor: they are found by
 * {@link java.util.ServiceLoader}.
 */
public interface PluginFactory<T> {

    /** The registered name used in configuration, e.g. {@code strong-base}. */
    String name();

    /**
     * @param settings the plug-in's own keys (without {@code name} and {@code weight})
     * @param path where those settings sit in the configuration, for error messages
     */
    T create(Config settings, String path);
}
