package org.mal.policies;

/** A {@link PluginFactory} for laws; list implementations in {@code META-INF/services/org.mal.policies.LawFactory}. */
public interface LawFactory extends PluginFactory<Law> {}
