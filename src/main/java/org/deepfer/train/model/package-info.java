/**
 * The networks DeepFER trains: {@link org.deepfer.train.model.Models#build} turns a {@link
 * org.deepfer.train.model.ModelSpec} into a {@link org.deepfer.train.model.FerModel} (backbone plus
 * head, DJL blocks with readable parameter names), and {@link org.deepfer.train.model.Flops} counts
 * its cost per image.
 */
package org.deepfer.train.model;
