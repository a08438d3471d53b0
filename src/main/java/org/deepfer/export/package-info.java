/**
 * ONNX export of trained models: {@link org.deepfer.export.OnnxExporter} turns a {@link
 * org.deepfer.train.model.FerModel} into one ONNX graph (raw gray faces in, class probabilities
 * out, preprocessing included), {@link org.deepfer.export.OnnxParity} checks it against DJL, and
 * {@link org.deepfer.export.OnnxRunner} runs it in ONNX Runtime for code that predicts without DJL.
 */
package org.deepfer.export;
