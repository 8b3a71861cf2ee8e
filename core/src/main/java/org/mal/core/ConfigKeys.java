package org.mal.core;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.Set;
import java.util.TreeSet;

/** Checks that a HOCON object has no keys beyond the known ones, so a misspelt key fails loudly. */
public final class ConfigKeys {
    private ConfigKeys() {}

    /**
     * @param path where {@code config} sits in the file, for the message (e.g. {@code zoo.training})
     * @throws ConfigException.BadPath naming the unknown key's full path and the known keys
     */
    public static void requireOnly(Config config, String path, Set<String> known) {
        for (String key : config.root().keySet()) {
            if (!known.contains(key)) {
                String full = path.isEmpty() ? key : path + "." + key;
                throw new ConfigException.BadPath(config.root().get(key).origin(), full,
                        "unknown key; known keys here are " + new TreeSet<>(known));
            }
        }
    }
}
