package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.delivery.WorkPullingProducerController;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.mal.engine.SearchSettings;
import org.mal.engine.SearchStateTest;

/**
 * The worker's protocol: it pulls items through reliable delivery, answers each with a result or a
 * failure, survives an {@link Error} by being restarted, and every message that may cross JVMs
 * goes through Jackson (serialize-messages is on).
 */
class WorkerTest {
    static final ActorTestKit kit = ActorTestKit.create("worker-test",
            ConfigFactory.parseString("pekko.actor.serialize-messages = on").withFallback(ConfigFactory.load()));

    @AfterAll
    static void stop() { kit.shutdownTestKit(); }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Test
    void answersEveryItemAndIsRestartedAfterAnError() {
        AtomicInteger runs = new AtomicInteger();
        Worker.Runner runner = item -> {
            runs.incrementAndGet();
            return switch (item.move().target()) {
                case "bad" -> throw new IllegalArgumentException("corrupt model file");
                case "oom" -> throw new OutOfMemoryError("model too large");
                default -> SearchStateTest.outcome(0.5);
            };
        };
        TestProbe<Coordinator.Command> coordinator = kit.createTestProbe(Coordinator.Command.class);
        TestProbe<WorkPullingProducerController.RequestNext> next = kit.createTestProbe(WorkPullingProducerController.RequestNext.class);
        ActorRef<WorkPullingProducerController.Command<WorkItem>> producer = kit.spawn(
                WorkPullingProducerController.create(WorkItem.class, "test-moves", Worker.SERVICE_KEY, Optional.empty()));
        producer.tell(new WorkPullingProducerController.Start<>((ActorRef) next.ref()));
        kit.spawn(Worker.create("w0", runner));

        // three rounds: a lost confirmation after a restart would deliver a move twice (seen once, before the executor split)
        String[] moves = {"ok1", "bad", "oom", "ok2", "ok1", "oom", "bad", "ok2", "oom", "oom", "ok1", "ok2"};
        for (int k = 0; k < moves.length; k++) {
            WorkPullingProducerController.RequestNext<WorkItem> r = next.expectMessageClass(WorkPullingProducerController.RequestNext.class,
                    Duration.ofSeconds(10));
            r.sendNextTo().tell(new WorkItem(1, 0, SearchStateTest.move(moves[k], "0:0"), "0".repeat(64), SearchStateTest.ORIGIN, null,
                    java.util.List.of(SearchStateTest.card("t", "h9")), 0.2, 1, coordinator.ref().narrow(), "/zoo", "/assemblies", new SearchSettings.Evaluation(5, 100, 0.05, true), 1));
            Coordinator.Command answer = coordinator.receiveMessage(Duration.ofSeconds(10));
            assertEquals(moves[k], ((Worker.Reply) answer).item().move().target());
            switch (moves[k]) {
                case "bad" -> {
                    Worker.Failed f = (Worker.Failed) answer;
                    assertTrue(f.reason().contains("corrupt model file"), f.reason());
                }
                case "oom" -> assertTrue(((Worker.Failed) answer).reason().contains("OutOfMemoryError"));
                default -> {
                    Worker.Done res = (Worker.Done) answer;
                    assertEquals(moves[k], res.item().move().target());
                    assertEquals(0.5, res.outcome().lambda());
                    assertEquals("w0", res.worker());
                }
            }
        }
        coordinator.expectNoMessage(Duration.ofMillis(300));
        assertEquals(moves.length, runs.get(), "each item ran once: the restarted executor ran the next one");
    }
}
