package org.mal.policies;

import org.mal.core.config.PluginFactory;

/** A {@link PluginFactory} for objectives; list implementations in {@code META-INF/services/org.mal.policies.ObjectiveFactory}. */
public interface ObjectiveFactory extends PluginFactory<Objective> {}
