package org.mal.actors;

import com.typesafe.config.Config;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.slf4j.LoggerFactory;

/** Creates the actor systems of a search and of a worker node, with logging set up first. */
final class ActorSystems {
    private ActorSystems() {}

    /**
     * {@link ActorSystem#create} once SLF4J is initialised. Pekko's logger actor logs "Slf4jLogger
     * started" on a dispatcher thread while the thread creating the system may still be initialising
     * SLF4J (logback reading its configuration); SLF4J then intercepts the call and prints a 3-line
     * "replay" warning to stderr. A search that starts has usually initialised SLF4J already (ND4J
     * logs while the origin is evaluated); a resume creates the actor system first, so every resume
     * printed the warning. Initialising it here, before any Pekko thread exists, removes the race.
     */
    static <T> ActorSystem<T> create(Behavior<T> guardian, String name, Config config) {
        LoggerFactory.getILoggerFactory();
        return ActorSystem.create(guardian, name, config);
    }
}
