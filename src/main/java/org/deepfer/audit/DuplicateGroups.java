package org.deepfer.audit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Connected components over "same picture" edges (exact duplicates and near-duplicate pairs),
 * so that a chain a~b~c is one group. Runs on the driver over the edges only, which number as
 * many as the duplicates found, not as many as the images.
 */
public final class DuplicateGroups {
    private final Map<String, String> parent = new HashMap<>();

    /** Records that {@code a} and {@code b} show the same picture. */
    public void link(String a, String b) {
        parent.putIfAbsent(a, a);
        parent.putIfAbsent(b, b);
        String ra = find(a);
        String rb = find(b);
        if (!ra.equals(rb)) {
            // The smaller name becomes the root so group ids do not depend on edge order.
            if (ra.compareTo(rb) < 0) {
                parent.put(rb, ra);
            } else {
                parent.put(ra, rb);
            }
        }
    }

    private String find(String x) {
        String root = x;
        while (true) {
            String p = parent.getOrDefault(root, root);
            if (p.equals(root)) {
                break;
            }
            root = p;
        }
        // Path compression keeps later finds flat.
        String cur = x;
        while (!cur.equals(root)) {
            String next = parent.getOrDefault(cur, cur);
            parent.put(cur, root);
            cur = next;
        }
        return root;
    }

    /** Group id (the smallest member) of every linked member. */
    public Map<String, String> groupOf() {
        Map<String, String> out = new TreeMap<>();
        for (String member : new ArrayList<>(parent.keySet())) {
            out.put(member, find(member));
        }
        return out;
    }

    /** The groups, each a sorted list of members, ordered by their id. */
    public List<List<String>> groups() {
        Map<String, List<String>> byRoot = new TreeMap<>();
        for (Map.Entry<String, String> e : groupOf().entrySet()) {
            byRoot.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        }
        return new ArrayList<>(byRoot.values());
    }
}
