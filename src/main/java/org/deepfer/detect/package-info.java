/**
 * Face detection and cropping with OpenCV (the org.openpnp build): YuNet, OpenCV's SSD and Haar
 * cascades behind one {@link org.deepfer.detect.FaceDetector} interface, loaded from local model
 * files named in the {@code detect} section of the configuration, and {@link
 * org.deepfer.detect.FaceCropper}, which turns a detection into the gray, eye-levelled crop a
 * model takes.
 */
package org.deepfer.detect;
