package org.mal.actors;

/**
 * Marks the messages that may cross a JVM boundary (work items and their results); they are
 * serialised with Jackson (CBOR), as {@code reference.conf} binds. Java serialisation is never used.
 */
public interface WireMessage {}
