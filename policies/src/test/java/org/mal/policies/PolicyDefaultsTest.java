package org.mal.policies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The defaults live in reference.conf; conf/laws.conf shows them to users: the two must agree. */
class PolicyDefaultsTest {
    static final Config REF = ConfigFactory.defaultReference().getConfig("mal.policies");

    /** Every key of {@code shown} has the reference's value (numbers compared as numbers). */
    static void agree(Config shown, Config ref, String where) {
        for (Map.Entry<String, com.typesafe.config.ConfigValue> e : shown.entrySet()) {
            assertTrue(ref.hasPath(e.getKey()), where + "." + e.getKey() + " has no default in reference.conf");
            Object a = e.getValue().unwrapped();
            Object b = ref.getValue(e.getKey()).unwrapped();
            if (a instanceof Number x && b instanceof Number y) assertEquals(y.doubleValue(), x.doubleValue(), where + "." + e.getKey());
            else assertEquals(b, a, where + "." + e.getKey());
        }
    }

    @Test
    void confLawsConfShowsTheDefaults() {
        Config laws = ConfigFactory.parseFile(Path.of("../conf/laws.conf").toFile()).resolve().getConfig("policy");
        agree(laws.getConfig("candidates").withoutPath("move"), REF.getConfig("candidates"), "policy.candidates");
        agree(laws.getConfig("candidates.move"), REF.getConfig("move"), "policy.candidates.move");
        int checked = 0;
        for (ConfigObject law : laws.getObjectList("laws")) {
            Config c = law.toConfig();
            String name = c.getString("name");
            agree(c.withoutPath("name").withoutPath("weight"), REF.getConfig("laws." + name), "policy.laws[" + name + "]");
            checked++;
        }
        assertEquals(5, checked, "the four paper laws and the learning law are listed");
        assertEquals(laws.getObjectList("laws").stream().map(o -> o.toConfig().getString("name")).toList(),
                REF.getObjectList("policy.laws").stream().map(o -> o.toConfig().getString("name")).toList(),
                "a policy block without laws runs the file's laws, in order");
        Config obj = laws.getConfig("objective");
        agree(obj.withoutPath("name"), REF.getConfig("objectives." + obj.getString("name")), "policy.objective");
        assertEquals(REF.getInt("policy.max-proposals"), laws.getInt("max-proposals"));
    }

    @Test
    void aLawLeftWithoutSettingsTakesTheReferenceDefaults() {
        Policy p = Policy.parse("policy { laws = [ { name = depth-order }, { name = merging-threshold } ] }");
        assertEquals(new org.mal.policies.laws.DepthOrder(0.25, true), p.laws().get(0).law());
        assertEquals(new org.mal.policies.laws.MergingThreshold("refined-grid", 9, 6), p.laws().get(1).law());
    }
}
