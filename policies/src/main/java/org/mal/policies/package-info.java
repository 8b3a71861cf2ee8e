/**
 * Selection policies (issue #5): moves as values ({@link org.mal.policies.Move}), their features,
 * the plug-in interfaces {@link org.mal.policies.Law} and {@link org.mal.policies.Objective}, and the
 * {@link org.mal.policies.Policy} that composes them from HOCON ({@code conf/laws.conf}). Built-in
 * laws live in {@code org.mal.policies.laws}, objectives in {@code org.mal.policies.objectives}.
 * Nothing here depends on actors or storage.
 */
package org.mal.policies;
