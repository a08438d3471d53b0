/**
 * The web demo behind {@code deepfer serve}: {@link org.deepfer.serve.DemoServer} (the JDK's HTTP
 * server) serves the page in {@code src/main/resources/web/} and answers each JPEG frame the page
 * posts with the faces {@link org.deepfer.serve.FrameAnalyzer} finds, tracks and classifies, one
 * tracker per browser session.
 */
package org.deepfer.serve;
