/**
 * Shipping a trained model in the repository: {@code models/default/} (and a small fast model
 * beside it) with its ONNX file, parameters, calibration, a model card and a fixture that pins what
 * it predicts, and finding that default when a command is given no {@code --model}.
 */
package org.deepfer.ship;
