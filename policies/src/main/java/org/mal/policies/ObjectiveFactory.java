package org.mal.policies;

/** A {@link PluginFactory} for objectives; list implementations in {@code META-INF/services/org.mal.policies.ObjectiveFactory}. */
public interface ObjectiveFactory extends PluginFactory<Objective> {}
