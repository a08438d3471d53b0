package org.deepfer.train.model;

import ai.djl.nn.Block;

/** A feature extractor and the length of the feature vector it produces per image. */
record Backbone(Block block, int featureSize) {}
