package org.mal.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Finds plug-ins by name: first the names registered through {@link ServiceLoader} (the built-ins
 * and any jar on the classpath), then, if the name is a fully qualified class name, that class —
 * either a factory (no-argument constructor) or the plug-in itself (a public constructor taking its
 * {@link Config} settings, or a no-argument one if it has no settings).
 */
public final class Plugins<T, F extends PluginFactory<T>> {
    private final String kind;
    private final Class<T> type;
    private final Class<F> factoryType;
    private final ClassLoader loader;
    private final Map<String, F> registered = new LinkedHashMap<>();

    public Plugins(String kind, Class<T> type, Class<F> factoryType, ClassLoader loader) {
        this.kind = kind;
        this.type = type;
        this.factoryType = factoryType;
        this.loader = loader;
        for (F f : ServiceLoader.load(factoryType, loader)) {
            F previous = registered.putIfAbsent(f.name(), f);
            if (previous != null) {
                throw new IllegalStateException("two " + kind + " factories register the name '" + f.name() + "': "
                        + previous.getClass().getName() + " and " + f.getClass().getName());
            }
        }
    }

    /** Registered names, in the order the service files list them. */
    public java.util.Set<String> names() { return registered.keySet(); }

    /**
     * @param namePath path of the {@code name} key, for messages (e.g. {@code policy.laws[1].name})
     * @param settings the plug-in's settings, {@code path} being where they sit
     */
    public T create(String name, ConfigOrigin origin, String namePath, Config settings, String path) {
        F factory = registered.get(name);
        if (factory != null) return checked(factory.create(settings, path), name);
        if (name.contains(".")) {
            Class<?> cls;
            try {
                cls = Class.forName(name, true, loader);
            } catch (ClassNotFoundException e) {
                throw unknown(name, origin, namePath, "no class " + name + " on the classpath");
            }
            return checked(instantiate(cls, settings, path, origin, namePath), name);
        }
        throw unknown(name, origin, namePath, null);
    }

    private T instantiate(Class<?> cls, Config settings, String path, ConfigOrigin origin, String namePath) {
        try {
            if (factoryType.isAssignableFrom(cls)) {
                return factoryType.cast(cls.getConstructor().newInstance()).create(settings, path);
            }
            if (type.isAssignableFrom(cls)) {
                try {
                    Constructor<?> c = cls.getConstructor(Config.class);
                    return type.cast(c.newInstance(settings));
                } catch (NoSuchMethodException e) {
                    if (!settings.isEmpty()) {
                        throw new ConfigException.BadValue(origin, path, cls.getName() + " takes no settings (it has no public constructor"
                                + " taking a Config) but got the keys " + new TreeMap<>(settings.root().unwrapped()).keySet());
                    }
                    return type.cast(cls.getConstructor().newInstance());
                }
            }
        } catch (NoSuchMethodException e) {
            throw new ConfigException.BadValue(origin, namePath, cls.getName() + " needs a public constructor taking a Config or none");
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            throw new ConfigException.BadValue(origin, namePath, "constructing " + cls.getName() + " failed: " + cause, cause);
        } catch (ReflectiveOperationException e) {
            throw new ConfigException.BadValue(origin, namePath, "cannot construct " + cls.getName() + ": " + e, e);
        }
        throw new ConfigException.BadValue(origin, namePath, cls.getName() + " implements neither " + type.getName()
                + " nor " + factoryType.getName());
    }

    private T checked(T plugin, String name) {
        if (plugin == null) throw new IllegalStateException("the " + kind + " factory for '" + name + "' returned null");
        return plugin;
    }

    private ConfigException unknown(String name, ConfigOrigin origin, String namePath, String detail) {
        return new ConfigException.BadValue(origin, namePath, "unknown " + kind + " '" + name + "'"
                + (detail == null ? "" : " (" + detail + ")") + "; known " + kind + "s: " + registered.keySet()
                + ". To plug in your own, implement " + type.getName() + " and either name its fully qualified class name here"
                + " (public constructor taking a com.typesafe.config.Config, or none) or register a " + factoryType.getName()
                + " in META-INF/services/" + factoryType.getName() + " on the classpath");
    }
}
