package org.mal.core.method;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOriginFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mal.core.config.Canonical;
import org.mal.core.config.Plugins;

/**
 * The one registry of merge methods, used by {@code ./mal merge} and by the search alike: a name
 * and a settings map give a configured {@link Aligner}, {@link Merger} or {@link LambdaRule}.
 * Built-ins are registered in {@code META-INF/services}; a plug-in is any class named by its fully
 * qualified name (a factory, or the method with a public constructor taking a {@link Config}).
 */
public final class Methods {
    private Methods() {}

    private static final ClassLoader LOADER = Methods.class.getClassLoader();
    private static final Plugins<Aligner, AlignerFactory> ALIGNERS = new Plugins<>("aligner", Aligner.class, AlignerFactory.class, LOADER);
    private static final Plugins<Merger, MergerFactory> MERGERS = new Plugins<>("merger", Merger.class, MergerFactory.class, LOADER);
    private static final Plugins<LambdaRule, LambdaRuleFactory> RULES =
            new Plugins<>("λ rule", LambdaRule.class, LambdaRuleFactory.class, LOADER);

    /**
     * @param namePath where the method's name sits, for messages (e.g. {@code policy.candidates.move.aligner})
     * @param settingsPath where its settings sit (e.g. {@code policy.candidates.move.aligner-settings})
     */
    public static Aligner aligner(String name, Map<String, ?> settings, String namePath, String settingsPath) {
        requireKnown("aligner", name, ALIGNERS.names(), namePath);
        return plain(settingsPath, () -> ALIGNERS.create(name, origin(settingsPath), namePath, config(settings, settingsPath), settingsPath));
    }

    public static Merger merger(String name, Map<String, ?> settings, String namePath, String settingsPath) {
        requireKnown("merger", name, MERGERS.names(), namePath);
        return plain(settingsPath, () -> MERGERS.create(name, origin(settingsPath), namePath, config(settings, settingsPath), settingsPath));
    }

    public static LambdaRule lambdaRule(String name, Map<String, ?> settings, String namePath, String settingsPath) {
        requireKnown("λ rule", name, RULES.names(), namePath);
        return plain(settingsPath, () -> RULES.create(name, origin(settingsPath), namePath, config(settings, settingsPath), settingsPath));
    }

    /** A name that is neither registered nor a class name: one line with the choices (the plug-in route is in the javadoc). */
    private static void requireKnown(String kind, String name, Set<String> names, String path) {
        if (name == null || name.contains(".") || names.contains(name)) return;
        List<String> n = List.copyOf(names);
        String choices = n.size() == 1 ? n.get(0) : String.join(", ", n.subList(0, n.size() - 1)) + " or " + n.get(n.size() - 1);
        throw new IllegalArgumentException(path + ": unknown " + kind + " '" + name + "'; choose " + choices
                + " (or a plug-in's fully qualified class name)");
    }

    public static Set<String> alignerNames() { return ALIGNERS.names(); }

    public static Set<String> mergerNames() { return MERGERS.names(); }

    public static Set<String> lambdaRuleNames() { return RULES.names(); }

    /**
     * A bad setting's message without Typesafe Config's origin text (settings built in memory have no
     * file and line): {@code path.key: what is wrong}.
     */
    private static <T> T plain(String settingsPath, java.util.function.Supplier<T> make) {
        try {
            return make.get();
        } catch (ConfigException e) {
            String m = e.getMessage();
            int at = m.indexOf("'" + settingsPath);
            at = at >= 0 ? at + 1 : m.indexOf(settingsPath + ".");
            if (at < 0) throw e;
            m = m.substring(at).replaceFirst("^([^']*)': ", "$1: ").replaceFirst("^([^']*)' ", "$1 ");
            throw new ConfigException.Generic(m, e);
        }
    }

    private static com.typesafe.config.ConfigOrigin origin(String settingsPath) {
        return ConfigOriginFactory.newSimple(settingsPath.startsWith("--") ? "command line" : "a move's settings");
    }

    private static Config config(Map<String, ?> settings, String settingsPath) {
        return ConfigValueFactory.fromMap(Canonical.map(settings), origin(settingsPath).description()).toConfig();
    }
}
