package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchStateTest;
import org.mal.policies.Move;

/** What crosses to a worker node and back, through Pekko's serializer (Jackson CBOR), comes back equal. */
class WireFormatTest {
    static final ActorTestKit kit = ActorTestKit.create("wire-test");

    @AfterAll
    static void stop() { kit.shutdownTestKit(); }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T message) {
        Serialization s = SerializationExtension.get(kit.system().classicSystem());
        byte[] bytes = s.serialize(message).get();
        var serializer = s.findSerializerFor(message);
        return (T) s.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, message)).get();
    }

    @Test
    void aMoveWithNestedSettingsAndItsResultCrossIntact() {
        // a plug-in aligner's settings may hold lists and objects, which Pekko's Jackson would read back as Scala collections
        Move move = SearchStateTest.move("t", "0:0,1:1").withAligner("com.example.MyAligner",
                Map.of("layers", List.of(0, 1), "inner", Map.of("k", 2.5, "on", true), "name", "x"));
        TestProbe<Worker.Reply> probe = kit.createTestProbe(Worker.Reply.class);
        WorkItem item = new WorkItem(1, 0, move, "0".repeat(64), SearchStateTest.ORIGIN, null, java.util.List.of(SearchStateTest.card("t", "h9")), 0.2, 1,
                probe.ref(), "/zoo", "/a", new SearchSettings.Evaluation(5, 100, 0.05, true), 7);
        WorkItem back = roundTrip(item);
        assertEquals(move, back.move());
        assertEquals(move.canonical(), back.move().canonical());
        Worker.Done done = roundTrip(new Worker.Done(item, SearchStateTest.outcome(0.5), "w"));
        assertEquals(move, done.item().move());
        assertEquals(0.5, done.outcome().lambda());
    }
}
