package org.deepfer.train.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.List;

/**
 * Layers applied one after the other, each registered under a name of our choosing.
 *
 * <p>DJL's {@code SequentialBlock} names children after their class with a running number ({@code
 * 01Conv2d}), and {@code addChildBlock} always adds that number. Parameter names are the child
 * names joined by {@code _}, so we register children directly to get names such as {@code
 * backbone_stage1_block1_conv1_weight}: stable, readable, and equal between two models of the same
 * architecture, which is what loading a backbone by name relies on.
 *
 * <p>Public, read-only, for code that walks a built network (the ONNX exporter); only this package
 * builds one.
 */
public class NamedSequentialBlock extends AbstractBlock {

    private final List<Block> layers = new ArrayList<>();

    NamedSequentialBlock() {}

    /** Appends {@code layer} under {@code name}, which must be unique within this block. */
    NamedSequentialBlock add(String name, Block layer) {
        addNamedChild(name, layer);
        layers.add(layer);
        return this;
    }

    /** The layers in order. */
    public List<Block> layers() {
        return List.copyOf(layers);
    }

    /** Registers a child without the numeric prefix {@code addChildBlock} would give it. */
    protected final void addNamedChild(String name, Block child) {
        if (name.isEmpty() || name.contains("_")) {
            // "_" separates levels in parameter names; inside a name it would make them ambiguous.
            throw new IllegalArgumentException("child name must be non-empty without '_': " + name);
        }
        if (children.keys().contains(name)) {
            throw new IllegalArgumentException("duplicate child name: " + name);
        }
        children.add(name, child);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDList current = inputs;
        for (Block layer : layers) {
            current = layer.forward(parameterStore, current, training, params);
        }
        return current;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] current = inputShapes;
        for (Block layer : layers) {
            current = layer.getOutputShapes(current);
        }
        return current;
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] current = inputShapes;
        for (Block layer : layers) {
            layer.initialize(manager, dataType, current);
            current = layer.getOutputShapes(current);
        }
    }
}
