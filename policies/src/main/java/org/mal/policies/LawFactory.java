package org.mal.policies;

import org.mal.core.config.PluginFactory;

/** A {@link PluginFactory} for laws; list implementations in {@code META-INF/services/org.mal.policies.LawFactory}. */
public interface LawFactory extends PluginFactory<Law> {}
