/**
 * The RocksDB store: model blobs, the evaluation cache and the search journal. Only this module
 * talks to RocksDB. Its contents arrive with the store issue (#4); until then the module holds no
 * classes and nothing depends on its behaviour.
 */
package org.mal.store;
