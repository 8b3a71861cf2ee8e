package org.mal.core.method;

import org.mal.core.config.PluginFactory;

/** A {@link PluginFactory} for LambdaRules; list implementations in {@code META-INF/services/org.mal.core.method.LambdaRuleFactory}. */
public interface LambdaRuleFactory extends PluginFactory<LambdaRule> {}
