/**
 * Selection policies: the encoded "bag of laws", objectives and the plug-in interface. Its contents
 * arrive with the policies issue (#5); until then the module holds no classes and nothing depends on
 * its behaviour.
 */
package org.mal.policies;
