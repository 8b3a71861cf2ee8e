package org.mal.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.util.Set;
import java.util.SortedMap;
import org.mal.core.ConfigKeys;


/**
 * A HOCON sub-tree together with where it sits in the file, so that every missing, mistyped or
 * unknown key is reported with its full path (e.g. {@code policy.laws[2].tolerance}), not with the
 * path relative to the sub-tree that Typesafe Config would print.
 *
 * <p>Built-in components give their defaults with {@link #withDefaults(String)}; a key the user
 * writes with the wrong type still fails, a key the user leaves out takes the default.
 */
public final class Settings {
    private final Config config;
    private final String path;

    private Settings(Config config, String path) {
        this.config = config;
        this.path = path;
    }

    public static Settings of(Config config, String path) { return new Settings(config, path); }

    public static Settings empty(String path) { return new Settings(ConfigFactory.empty(), path); }

    public Config config() { return config; }

    public String path() { return path; }

    /** Full path of {@code key}, for messages. */
    public String path(String key) { return path.isEmpty() ? key : path + "." + key; }

    /**
     * Falls back to the block at {@code path} of the modules' {@code reference.conf} files for keys
     * the user did not write (the built-in defaults live there, e.g. {@code mal.policies.laws.depth-order}).
     */
    public Settings withReference(String path) {
        Config ref = ConfigFactory.defaultReference(Settings.class.getClassLoader());
        if (!ref.hasPath(path)) throw new IllegalStateException("no defaults at " + path + " in reference.conf (a packaging error)");
        return new Settings(config.withFallback(ref.getConfig(path)), this.path);
    }

    /** Falls back to the given HOCON for keys the user did not write. */
    public Settings withDefaults(String hocon) {
        return new Settings(config.withFallback(ConfigFactory.parseString(hocon)), path);
    }

    /** Fails on any key not in {@code known}, naming its path and the known keys. */
    public Settings only(String... known) {
        ConfigKeys.requireOnly(config, path, Set.of(known));
        return this;
    }

    public Settings sub(String key) {
        return new Settings(read(key, () -> config.getConfig(key), "an object { ... }"), path(key));
    }

    public double getDouble(String key) { return read(key, () -> config.getDouble(key), "a number"); }

    public int getInt(String key) {
        Number n = read(key, () -> config.getNumber(key), "an integer");
        double d = n.doubleValue();
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) throw invalid(key, "expected an integer, got " + n);
        return n.intValue();
    }

    public boolean getBoolean(String key) { return read(key, () -> config.getBoolean(key), "true or false"); }

    public String getString(String key) { return read(key, () -> config.getString(key), "a string"); }

    public java.util.List<String> getStringList(String key) {
        return read(key, () -> config.getStringList(key), "a list of strings [ ... ]");
    }

    /** An object of free-form settings (e.g. an aligner's), with keys sorted and numbers normalised. */
    public SortedMap<String, Object> getMap(String key) {
        return Canonical.map(read(key, () -> config.getConfig(key), "an object { ... }").root().unwrapped());
    }

    public boolean hasPath(String key) { return config.hasPath(key); }

    /** Throws a {@link ConfigException.BadValue} naming {@code key}'s full path. */
    public ConfigException invalid(String key, String message) {
        return new ConfigException.BadValue(config.origin(), path(key), message);
    }

    private interface Read<T> { T get(); }

    private <T> T read(String key, Read<T> read, String expected) {
        try {
            return read.get();
        } catch (ConfigException.Missing e) {
            throw new ConfigException.Missing(config.origin(), path(key));
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            throw new ConfigException.BadValue(config.origin(), path(key), "expected " + expected + " (" + e.getMessage() + ")", e);
        }
    }

}
