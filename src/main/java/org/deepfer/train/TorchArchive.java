package org.deepfer.train;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads the named tensors of a PyTorch checkpoint without Python, so that transfer learning can start
 * from a torchvision {@code .pth} state dict or a TorchScript {@code .pt} file. DJL can load TorchScript
 * itself, but its parameter list leaves out buffers such as batch-norm running mean and variance, and
 * a backbone without its running statistics is not the pretrained network.
 *
 * <p>Both formats are the zip written since PyTorch 1.6: entries under one top-level folder, a pickle
 * {@code <prefix>/data.pkl} describing the object, and the raw tensor storages as
 * {@code <prefix>/data/<key>} (little-endian unless {@code <prefix>/byteorder} says {@code big}).
 * The pickle is run by a small interpreter that knows the opcodes {@code torch.save} (protocol 2) and
 * {@code torch.jit.save} emit, and that never runs or loads code: globals are only names, and the
 * few it understands ({@code _rebuild_tensor_v2}, {@code _rebuild_parameter}, {@code OrderedDict}
 * and TorchScript's list builders) are interpreted here; any other call becomes an inert object.
 *
 * <p>The pickled object is flattened into names the way {@code state_dict()} names them:
 * <ul>
 *   <li>a dict (a state dict) gives its tensors under their keys; nested dicts, such as a training
 *       checkpoint {@code {"model": state_dict, ...}}, join keys with {@code '.'};
 *   <li>a TorchScript module gives its attributes recursively, submodule names joined with
 *       {@code '.'}, in the order the module's class type lists them, which need not be state-dict
 *       order;
 *   <li>a whole eager module ({@code torch.save(model)}) gives {@code _parameters}, then persistent
 *       {@code _buffers}, then {@code _modules}, exactly the state-dict names and order.
 * </ul>
 * Non-tensor values and tensors inside lists or tuples are skipped. Integer tensors such as
 * {@code num_batches_tracked} are returned too; callers filter on {@link Tensor#dtype()}.
 *
 * <p>Not supported, each refused with an {@link IOException} rather than skipped: the legacy
 * (pre-1.6) non-zip {@code torch.save} format, non-contiguous tensors, quantized, sparse and other
 * special tensor kinds, untyped storages and complex dtypes.
 */
public final class TorchArchive {
    /**
     * One tensor read from a checkpoint.
     *
     * @param name the state-dict style name, e.g. {@code features.0.weight}
     * @param shape the sizes, empty for a 0-d scalar
     * @param dtype PyTorch's name of the stored type: {@code float32}, {@code float64}, {@code float16},
     *     {@code bfloat16}, {@code int64}, {@code int32}, {@code int16}, {@code int8}, {@code uint8} or
     *     {@code bool}
     * @param values row-major values converted to float, whatever the stored type, since every consumer
     *     here copies into float32 NDArrays; integers beyond 2^24 lose precision and booleans become 0
     *     or 1
     */
    public record Tensor(String name, long[] shape, String dtype, float[] values) {
        /** True for the floating dtypes: the weights and running statistics, not counters or masks. */
        public boolean isFloatingPoint() {
            DType type = DType.byName(dtype);
            return type != null && type.floating;
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape);
        }
    }

    private static final String PICKLE = "data.pkl";

    private TorchArchive() {}

    /**
     * Named tensors in the order the file holds them.
     *
     * @throws IOException naming the file and what was wrong with it, including a missing file, a file
     *     that is not a PyTorch zip archive, a corrupt or unsupported pickle, or a missing storage
     */
    public static List<Tensor> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such PyTorch checkpoint");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": not a PyTorch zip archive" + legacyHint(file) + " (" + e.getMessage()
                    + ")", e);
        }
        try (zip) {
            String prefix = findPrefix(zip);
            if (prefix == null) {
                throw new IOException("zip archive without a <folder>/" + PICKLE + ", so not a PyTorch checkpoint");
            }
            ByteOrder order = byteOrder(zip, prefix);
            Object root = new Unpickler(readEntry(zip, prefix + "/" + PICKLE), prefix + "/" + PICKLE).load();
            Flattener flattener = new Flattener(zip, prefix, order);
            if (root instanceof Map<?, ?> || root instanceof PyObject) {
                flattener.collect("", root);
            } else {
                throw new IOException(prefix + "/" + PICKLE + " holds " + describe(root)
                        + ", not a state dict or module");
            }
            return flattener.tensors;
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * True if {@code file} is a zip holding {@code <prefix>/data.pkl}: a cheap look at the zip directory
     * only, so a caller can tell a PyTorch checkpoint from a DJL parameter file by content rather than
     * by extension, which torchvision and DJL both leave loose.
     */
    public static boolean isTorchArchive(Path file) {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return findPrefix(zip) != null;
        } catch (IOException e) {
            return false;
        }
    }

    /** The top-level folder holding data.pkl; torch names it after the file or {@code archive}. */
    private static String findPrefix(ZipFile zip) {
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals(PICKLE)) {
                return name.substring(0, slash);
            }
        }
        return null;
    }

    /** Storages are written in the saving machine's order; PyTorch 2 records it, earlier ones were all little. */
    private static ByteOrder byteOrder(ZipFile zip, String prefix) throws IOException {
        ZipEntry entry = zip.getEntry(prefix + "/byteorder");
        if (entry == null) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        String order = new String(readEntry(zip, entry.getName()), StandardCharsets.US_ASCII).trim();
        return switch (order) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new IOException(prefix + "/byteorder says '" + order + "', expected little or big");
        };
    }

    private static byte[] readEntry(ZipFile zip, String name) throws IOException {
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            throw new IOException("missing zip entry " + name);
        }
        if (entry.getSize() > Integer.MAX_VALUE - 8) {
            throw new IOException("zip entry " + name + " has " + entry.getSize()
                    + " bytes, more than one array holds");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            return in.readAllBytes();
        }
    }

    /** Before 1.6, torch.save wrote a bare pickle; naming that saves the user a hunt. */
    private static String legacyHint(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            int first = in.read();
            return first == 0x80 ? " (it looks like the legacy torch.save format from before PyTorch 1.6, which is"
                    + " not supported: load and re-save it with a current PyTorch)" : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** Dtypes of tensor storages, by the names PyTorch uses for the type and its legacy storage class. */
    private enum DType {
        FLOAT32("float32", 4, true, "FloatStorage", "float"),
        FLOAT64("float64", 8, true, "DoubleStorage", "double"),
        FLOAT16("float16", 2, true, "HalfStorage", "half"),
        BFLOAT16("bfloat16", 2, true, "BFloat16Storage"),
        INT64("int64", 8, false, "LongStorage", "long"),
        INT32("int32", 4, false, "IntStorage", "int"),
        INT16("int16", 2, false, "ShortStorage", "short"),
        INT8("int8", 1, false, "CharStorage"),
        UINT8("uint8", 1, false, "ByteStorage"),
        BOOL("bool", 1, false, "BoolStorage");

        final String torchName;
        final int bytes;
        final boolean floating;
        final List<String> aliases;

        DType(String torchName, int bytes, boolean floating, String... aliases) {
            this.torchName = torchName;
            this.bytes = bytes;
            this.floating = floating;
            this.aliases = List.of(aliases);
        }

        static DType byName(String name) {
            for (DType type : values()) {
                if (type.torchName.equals(name) || type.aliases.contains(name)) {
                    return type;
                }
            }
            return null;
        }
    }

    /** A pickled reference to a module-level name; only a name, never resolved to code. */
    private record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** An immutable Python tuple; a record so that tuples work as dict keys. */
    private record Tuple(List<Object> items) {}

    /** A storage named by the pickle's persistent id; its bytes are the zip entry data/key. */
    private record Storage(String key, DType dtype, long numel) {}

    /** What {@code _rebuild_tensor_v2} describes: a view into a storage, read only when flattened. */
    private record TensorRef(Storage storage, long offset, long[] shape, long[] stride) {}

    /** An instance of a class this reader does not interpret: a module, a set, a torch.device... */
    private static final class PyObject {
        final Global type;
        final Object args;
        /** What BUILD set: a module's attribute dict. */
        Object state;
        /** What SETITEMS added, for dict subclasses such as defaultdict. */
        final Map<Object, Object> items = new LinkedHashMap<>();

        PyObject(Global type, Object args) {
            this.type = type;
            this.args = args;
        }
    }

    private static String describe(Object value) {
        if (value == null) {
            return "None";
        } else if (value instanceof String) {
            return "a str";
        } else if (value instanceof Long || value instanceof BigInteger) {
            return "an int";
        } else if (value instanceof Double) {
            return "a float";
        } else if (value instanceof Boolean) {
            return "a bool";
        } else if (value instanceof byte[]) {
            return "bytes";
        } else if (value instanceof Tuple) {
            return "a tuple";
        } else if (value instanceof List<?>) {
            return "a list";
        } else if (value instanceof Map<?, ?>) {
            return "a dict";
        } else if (value instanceof Global g) {
            return "the global " + g.qualified();
        } else if (value instanceof Storage) {
            return "a storage";
        } else if (value instanceof TensorRef) {
            return "a tensor";
        } else if (value instanceof PyObject o) {
            return "a " + o.type.qualified() + " object";
        }
        return value.getClass().getSimpleName();
    }

    /**
     * Runs the subset of the pickle virtual machine that PyTorch checkpoints use. Python's own
     * unpickler would import and call whatever the file names; this one only builds values, so a
     * hostile file can at worst be refused.
     */
    private static final class Unpickler {
        private static final Object MARK = new Object();

        private final byte[] data;
        private final String source;
        private final List<Object> stack = new ArrayList<>();
        private final Deque<Integer> marks = new ArrayDeque<>();
        private final Map<Long, Object> memo = new HashMap<>();
        private int pos;
        /** Offset of the opcode being run, for messages. */
        private int at;

        Unpickler(byte[] data, String source) {
            this.data = data;
            this.source = source;
        }

        Object load() throws IOException {
            while (true) {
                if (pos >= data.length) {
                    throw error("ends at offset " + pos + " before the STOP opcode (truncated?)");
                }
                at = pos;
                int op = data[pos++] & 0xff;
                switch (op) {
                    case 0x80 -> { // PROTO
                        int protocol = u8();
                        if (protocol > 5) {
                            throw error("uses pickle protocol " + protocol + ", newer than 5");
                        }
                    }
                    case 0x95 -> bytes(8); // FRAME: a length hint only
                    case '.' -> { // STOP
                        Object result = pop();
                        if (!stack.isEmpty() || !marks.isEmpty()) {
                            throw error("stops with " + stack.size() + " values left on the stack");
                        }
                        return result;
                    }
                    case '(' -> { // MARK
                        marks.push(stack.size());
                    }
                    case '0' -> pop(); // POP
                    case '1' -> popMark(); // POP_MARK
                    case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                    case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                    case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                    case 't' -> push(new Tuple(popMark())); // TUPLE
                    case 0x85, 0x86, 0x87 -> { // TUPLE1, TUPLE2, TUPLE3
                        int n = op - 0x84;
                        if (stack.size() - n < (marks.isEmpty() ? 0 : marks.peek())) {
                            throw error("TUPLE" + n + " needs " + n + " values on the stack");
                        }
                        List<Object> top = stack.subList(stack.size() - n, stack.size());
                        Tuple tuple = new Tuple(Collections.unmodifiableList(new ArrayList<>(top)));
                        top.clear();
                        push(tuple);
                    }
                    case 'a' -> { // APPEND
                        Object value = pop();
                        list(peek()).add(value);
                    }
                    case 'e' -> { // APPENDS
                        List<Object> values = popMark();
                        list(peek()).addAll(values);
                    }
                    case 's' -> { // SETITEM
                        Object value = pop();
                        Object key = pop();
                        dict(peek()).put(key, value);
                    }
                    case 'u' -> { // SETITEMS
                        List<Object> pairs = popMark();
                        if (pairs.size() % 2 != 0) {
                            throw error("SETITEMS with an odd number of values");
                        }
                        Map<Object, Object> dict = dict(peek());
                        for (int i = 0; i < pairs.size(); i += 2) {
                            dict.put(pairs.get(i), pairs.get(i + 1));
                        }
                    }
                    case 'X' -> push(utf8(length(u32()))); // BINUNICODE
                    case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                    case 0x8d -> push(utf8(length(s64()))); // BINUNICODE8
                    case 'T' -> push(latin1(length(s32()))); // BINSTRING
                    case 'U' -> push(latin1(u8())); // SHORT_BINSTRING
                    case 'B' -> push(bytes(length(u32()))); // BINBYTES
                    case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                    case 'J' -> push((long) s32()); // BININT
                    case 'K' -> push((long) u8()); // BININT1
                    case 'M' -> push((long) (u8() | u8() << 8)); // BININT2
                    case 0x8a -> push(long1()); // LONG1
                    case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                    case 'N' -> push(null); // NONE
                    case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                    case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                    case 'c' -> push(new Global(line(), line())); // GLOBAL
                    case 0x93 -> { // STACK_GLOBAL
                        String name = string(pop(), "STACK_GLOBAL name");
                        String module = string(pop(), "STACK_GLOBAL module");
                        push(new Global(module, name));
                    }
                    case 'R' -> { // REDUCE
                        Object args = pop();
                        push(reduce(pop(), args));
                    }
                    case 0x81 -> { // NEWOBJ
                        Object args = pop();
                        Object type = pop();
                        if (!(type instanceof Global g)) {
                            throw error("NEWOBJ on " + describe(type) + ", expected a class");
                        }
                        push(new PyObject(g, args));
                    }
                    case 'b' -> { // BUILD
                        Object state = pop();
                        if (peek() instanceof PyObject object) {
                            object.state = state;
                        } // dicts (OrderedDict's _metadata) and tensors keep no state we use
                    }
                    case 'Q' -> push(persistentLoad(pop())); // BINPERSID
                    case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                    case 'r' -> memo.put(u32(), peek()); // LONG_BINPUT
                    case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                    case 'h' -> push(memoGet(u8())); // BINGET
                    case 'j' -> push(memoGet(u32())); // LONG_BINGET
                    default -> throw error(String.format("unsupported pickle opcode 0x%02x%s at offset %d", op,
                            op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : "", at));
                }
            }
        }

        /** Calls the few globals PyTorch checkpoints need; anything else becomes an inert object. */
        private Object reduce(Object callable, Object argsValue) throws IOException {
            if (!(callable instanceof Global global)) {
                throw error("REDUCE calls " + describe(callable) + ", expected a global");
            }
            if (!(argsValue instanceof Tuple tuple)) {
                throw error("REDUCE of " + global.qualified() + " with " + describe(argsValue) + " as arguments");
            }
            List<Object> args = tuple.items();
            String name = global.qualified();
            switch (name) {
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
                    return rebuildTensor(args);
                case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state",
                        "torch.jit._pickle.restore_type_tag", "torch.jit._pickle.build_intlist",
                        "torch.jit._pickle.build_doublelist", "torch.jit._pickle.build_boollist",
                        "torch.jit._pickle.build_tensorlist":
                    return arg(args, 0, name);
                case "torch._tensor._rebuild_from_type_v2": // (func, type, args, state): a tensor with attributes
                    return reduce(arg(args, 0, name), arg(args, 2, name));
                case "collections.OrderedDict", "builtins.dict", "__builtin__.dict":
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    if (!args.isEmpty() && args.get(0) instanceof List<?> pairs) {
                        for (Object pair : pairs) {
                            if (pair instanceof Tuple t && t.items().size() == 2) {
                                dict.put(t.items().get(0), t.items().get(1));
                            }
                        }
                    }
                    return dict;
                default:
                    if (name.startsWith("torch._utils._rebuild_")) {
                        // Quantized, sparse, meta or device-specific tensors: refuse rather than drop a weight.
                        throw error("holds a tensor built by " + name + ", which is not supported");
                    }
                    return new PyObject(global, tuple);
            }
        }

        /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, hooks[, metadata])}. */
        private TensorRef rebuildTensor(List<Object> args) throws IOException {
            if (args.size() < 4) {
                throw error("_rebuild_tensor with " + args.size() + " arguments, expected at least 4");
            }
            if (!(args.get(0) instanceof Storage storage)) {
                throw error("_rebuild_tensor on " + describe(args.get(0)) + ", expected a storage");
            }
            long offset = integer(args.get(1), "storage offset");
            return new TensorRef(storage, offset, longs(args.get(2), "size"), longs(args.get(3), "stride"));
        }

        /** {@code ('storage', storage type or dtype, key, location, numel)}, as torch's persistent_id writes it. */
        private Storage persistentLoad(Object pid) throws IOException {
            if (!(pid instanceof Tuple tuple) || tuple.items().size() < 5 || !"storage".equals(tuple.items().get(0))) {
                throw error("persistent id " + describe(pid) + " is not a ('storage', type, key, location, numel)"
                        + " tuple");
            }
            List<Object> items = tuple.items();
            if (!(items.get(1) instanceof Global type)) {
                throw error("storage type is " + describe(items.get(1)) + ", expected a torch global");
            }
            DType dtype = DType.byName(type.name());
            if (dtype == null) {
                throw error("storage type " + type.qualified() + " is not supported");
            }
            return new Storage(string(items.get(2), "storage key"), dtype, integer(items.get(4), "storage size"));
        }

        private Object arg(List<Object> args, int index, String function) throws IOException {
            if (index >= args.size()) {
                throw error(function + " called with " + args.size() + " arguments");
            }
            return args.get(index);
        }

        private long integer(Object value, String what) throws IOException {
            if (value instanceof Long l) {
                return l;
            }
            throw error(what + " is " + describe(value) + ", expected a 64-bit int");
        }

        private long[] longs(Object value, String what) throws IOException {
            if (!(value instanceof Tuple tuple)) {
                throw error(what + " is " + describe(value) + ", expected a tuple of ints");
            }
            long[] result = new long[tuple.items().size()];
            for (int i = 0; i < result.length; i++) {
                result[i] = integer(tuple.items().get(i), what + "[" + i + "]");
            }
            return result;
        }

        private String string(Object value, String what) throws IOException {
            if (value instanceof String s) {
                return s;
            }
            throw error(what + " is " + describe(value) + ", expected a str");
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object value) throws IOException {
            if (value instanceof List<?> list) {
                return (List<Object>) list;
            }
            throw error("APPEND to " + describe(value));
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> dict(Object value) throws IOException {
            if (value instanceof Map<?, ?> map) {
                return (Map<Object, Object>) map;
            } else if (value instanceof PyObject object) {
                return object.items;
            }
            throw error("SETITEM on " + describe(value));
        }

        private void push(Object value) {
            stack.add(value);
        }

        private Object pop() throws IOException {
            int floor = marks.isEmpty() ? 0 : marks.peek();
            if (stack.size() <= floor) {
                throw error("pops an empty stack");
            }
            return stack.remove(stack.size() - 1);
        }

        private Object peek() throws IOException {
            if (stack.isEmpty()) {
                throw error("reads an empty stack");
            }
            return stack.get(stack.size() - 1);
        }

        /** The values pushed since the last MARK, removed from the stack. */
        private List<Object> popMark() throws IOException {
            if (marks.isEmpty()) {
                throw error("has no MARK to pop to");
            }
            int mark = marks.pop();
            List<Object> top = stack.subList(mark, stack.size());
            List<Object> values = Collections.unmodifiableList(new ArrayList<>(top));
            top.clear();
            return values;
        }

        private Object memoGet(long index) throws IOException {
            if (!memo.containsKey(index)) {
                throw error("reads memo slot " + index + ", which was never stored");
            }
            return memo.get(index);
        }

        private int u8() throws IOException {
            need(1);
            return data[pos++] & 0xff;
        }

        private int s32() throws IOException {
            return ByteBuffer.wrap(bytes(4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
        }

        private long u32() throws IOException {
            return s32() & 0xffffffffL;
        }

        private long s64() throws IOException {
            return ByteBuffer.wrap(bytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
        }

        /** Python's LONG1: a little-endian two's-complement int of a given byte count. */
        private Object long1() throws IOException {
            byte[] littleEndian = bytes(u8());
            if (littleEndian.length == 0) {
                return 0L;
            }
            byte[] bigEndian = new byte[littleEndian.length];
            for (int i = 0; i < bigEndian.length; i++) {
                bigEndian[i] = littleEndian[littleEndian.length - 1 - i];
            }
            BigInteger value = new BigInteger(bigEndian);
            return value.bitLength() < Long.SIZE ? (Object) value.longValue() : value;
        }

        private int length(long n) throws IOException {
            if (n < 0 || n > data.length - pos) {
                throw error("claims a " + n + "-byte value at offset " + at + " but only " + (data.length - pos)
                        + " bytes follow (truncated or corrupt)");
            }
            return (int) n;
        }

        private byte[] bytes(int n) throws IOException {
            need(n);
            byte[] result = Arrays.copyOfRange(data, pos, pos + n);
            pos += n;
            return result;
        }

        private String utf8(int n) throws IOException {
            return new String(bytes(n), StandardCharsets.UTF_8);
        }

        private String latin1(int n) throws IOException {
            return new String(bytes(n), StandardCharsets.ISO_8859_1);
        }

        private String line() throws IOException {
            int end = pos;
            while (end < data.length && data[end] != '\n') {
                end++;
            }
            if (end == data.length) {
                throw error("ends inside the GLOBAL opcode at offset " + at);
            }
            String result = new String(data, pos, end - pos, StandardCharsets.UTF_8);
            pos = end + 1;
            return result;
        }

        private void need(int n) throws IOException {
            if (data.length - pos < n) {
                throw error("ends inside the opcode at offset " + at + " (truncated?)");
            }
        }

        private IOException error(String message) {
            String where = message.contains(" offset ") ? "" : " (opcode at offset " + at + ")";
            return new IOException(source + ": " + message + where);
        }
    }

    /** Walks the unpickled object into named tensors, reading each storage once. */
    private static final class Flattener {
        final List<Tensor> tensors = new ArrayList<>();
        private final ZipFile zip;
        private final String prefix;
        private final ByteOrder order;
        private final Map<String, ByteBuffer> storages = new HashMap<>();
        /** Containers on the current path, against cycles; shared ones are walked again, as state_dict does. */
        private final Set<Object> path = Collections.newSetFromMap(new IdentityHashMap<>());

        Flattener(ZipFile zip, String prefix, ByteOrder order) {
            this.zip = zip;
            this.prefix = prefix;
            this.order = order;
        }

        void collect(String name, Object value) throws IOException {
            if (value instanceof TensorRef ref) {
                tensors.add(materialize(name, ref));
                return;
            }
            if (!(value instanceof Map<?, ?> || value instanceof PyObject) || !path.add(value)) {
                return;
            }
            if (value instanceof Map<?, ?> map) {
                collectEntries(name, map, Set.of());
            } else {
                PyObject object = (PyObject) value;
                Object state = object.state;
                if (state instanceof Tuple tuple && !tuple.items().isEmpty()) {
                    state = tuple.items().get(0); // (dict, slots) state
                }
                if (state instanceof Map<?, ?> attributes) {
                    if (attributes.containsKey("_parameters") && attributes.containsKey("_modules")) {
                        collectEagerModule(name, attributes);
                    } else {
                        collectEntries(name, attributes, Set.of());
                    }
                }
                collectEntries(name, object.items, Set.of());
            }
            path.remove(value);
        }

        /** An nn.Module pickled whole: state_dict() takes parameters, persistent buffers, then submodules. */
        private void collectEagerModule(String name, Map<?, ?> attributes) throws IOException {
            Set<Object> nonPersistent = new HashSet<>();
            if (attributes.get("_non_persistent_buffers_set") instanceof PyObject set
                    && set.args instanceof Tuple args && !args.items().isEmpty()
                    && args.items().get(0) instanceof List<?> names) {
                nonPersistent.addAll(names);
            }
            for (String group : List.of("_parameters", "_buffers", "_modules")) {
                if (attributes.get(group) instanceof Map<?, ?> members) {
                    collectEntries(name, members, group.equals("_buffers") ? nonPersistent : Set.of());
                }
            }
        }

        private void collectEntries(String name, Map<?, ?> map, Set<Object> skip) throws IOException {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!skip.contains(entry.getKey())) {
                    String key = String.valueOf(entry.getKey());
                    collect(name.isEmpty() ? key : name + "." + key, entry.getValue());
                }
            }
        }

        private Tensor materialize(String name, TensorRef ref) throws IOException {
            Storage storage = ref.storage();
            long numel = 1;
            for (long size : ref.shape()) {
                if (size < 0) {
                    throw new IOException("tensor " + name + " has a negative size in " + Arrays.toString(ref.shape()));
                }
                numel = Math.multiplyExact(numel, size);
            }
            if (numel > Integer.MAX_VALUE - 8) {
                throw new IOException("tensor " + name + " has " + numel + " elements, more than one array holds");
            }
            long expected = 1;
            for (int d = ref.shape().length - 1; d >= 0; d--) {
                if (numel > 0 && ref.shape()[d] != 1 && ref.stride()[d] != expected) {
                    throw new IOException("tensor " + name + " is not contiguous (size " + Arrays.toString(ref.shape())
                            + ", stride " + Arrays.toString(ref.stride()) + "); save it after .contiguous()");
                }
                expected *= ref.shape()[d];
            }
            if (ref.offset() < 0 || ref.offset() + numel > storage.numel()) {
                throw new IOException("tensor " + name + " reads elements " + ref.offset() + " to "
                        + (ref.offset() + numel) + " of storage " + storage.key() + ", which has " + storage.numel());
            }
            ByteBuffer bytes = storageBytes(storage);
            DType dtype = storage.dtype();
            float[] values = new float[(int) numel];
            int base = Math.toIntExact(ref.offset() * dtype.bytes);
            for (int i = 0; i < values.length; i++) {
                int at = base + i * dtype.bytes;
                values[i] = switch (dtype) {
                    case FLOAT32 -> bytes.getFloat(at);
                    case FLOAT64 -> (float) bytes.getDouble(at);
                    case FLOAT16 -> halfToFloat(bytes.getShort(at));
                    case BFLOAT16 -> Float.intBitsToFloat((bytes.getShort(at) & 0xffff) << 16);
                    case INT64 -> bytes.getLong(at);
                    case INT32 -> bytes.getInt(at);
                    case INT16 -> bytes.getShort(at);
                    case INT8 -> bytes.get(at);
                    case UINT8 -> bytes.get(at) & 0xff;
                    case BOOL -> bytes.get(at) != 0 ? 1f : 0f;
                };
            }
            return new Tensor(name, ref.shape().clone(), dtype.torchName, values);
        }

        private ByteBuffer storageBytes(Storage storage) throws IOException {
            ByteBuffer cached = storages.get(storage.key());
            if (cached != null) {
                return cached;
            }
            String entry = prefix + "/data/" + storage.key();
            byte[] bytes = readEntry(zip, entry);
            if (bytes.length < storage.numel() * storage.dtype().bytes) {
                throw new IOException(entry + " has " + bytes.length + " bytes, but the pickle says it holds "
                        + storage.numel() + " " + storage.dtype().torchName + " values");
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes).order(order);
            storages.put(storage.key(), buffer);
            return buffer;
        }
    }

    /** IEEE half to float; Java 17 has no Float.float16ToFloat yet. */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | mantissa << 13); // infinity or NaN
        }
        if (exponent == 0) {
            float subnormal = mantissa * 0x1p-24f; // also zero
            return sign == 0 ? subnormal : -subnormal;
        }
        return Float.intBitsToFloat(sign | (exponent + 127 - 15) << 23 | mantissa << 13);
    }
}
