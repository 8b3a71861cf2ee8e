package org.mal.core.method;

import com.typesafe.config.Config;
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
     * @param path where the method sits, for messages (e.g. {@code move.aligner}); its settings are
     *     reported under {@code path + "-settings"}
     */
    public static Aligner aligner(String name, Map<String, ?> settings, String path) {
        requireKnown("aligner", name, ALIGNERS.names(), path);
        return ALIGNERS.create(name, ORIGIN, path, config(settings), path + "-settings");
    }

    public static Merger merger(String name, Map<String, ?> settings, String path) {
        requireKnown("merger", name, MERGERS.names(), path);
        return MERGERS.create(name, ORIGIN, path, config(settings), path + "-settings");
    }

    public static LambdaRule lambdaRule(String name, Map<String, ?> settings, String path) {
        requireKnown("λ rule", name, RULES.names(), path);
        return RULES.create(name, ORIGIN, path, config(settings), path + "-settings");
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

    private static final com.typesafe.config.ConfigOrigin ORIGIN = ConfigOriginFactory.newSimple("method settings");

    private static Config config(Map<String, ?> settings) {
        return ConfigValueFactory.fromMap(Canonical.map(settings), "method settings").toConfig();
    }
}
