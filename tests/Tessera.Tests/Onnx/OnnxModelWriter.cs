using Google.Protobuf;

namespace Tessera.Tests.Onnx;

/// <summary>Writes tiny ONNX models for tests with <see cref="CodedOutputStream"/> (field numbers from onnx.proto).</summary>
internal static class OnnxModelWriter
{
    public const int Float = 1;
    public const int Int64 = 7;

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var ms = new MemoryStream();
        var output = new CodedOutputStream(ms);
        write(output);
        output.Flush();
        return ms.ToArray();
    }

    private static void Field(CodedOutputStream o, int field, byte[] bytes)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(bytes));
    }

    private static void Text(CodedOutputStream o, int field, string text)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(text);
    }

    private static void Varint(CodedOutputStream o, int field, long value)
    {
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteInt64(value);
    }

    /// <summary>ModelProto with ir_version 8 and one default-domain opset import.</summary>
    public static byte[] Model(byte[] graph, long opset = 17) => Message(o =>
    {
        Varint(o, 1, 8);                                            // ir_version
        Field(o, 8, Message(s => { Text(s, 1, ""); Varint(s, 2, opset); }));  // opset_import
        Field(o, 7, graph);                                         // graph
    });

    public static byte[] Graph(IEnumerable<byte[]> nodes, IEnumerable<byte[]> initializers, IEnumerable<byte[]> inputs, IEnumerable<byte[]> outputs) => Message(o =>
    {
        foreach (var n in nodes) Field(o, 1, n);
        Text(o, 2, "test");
        foreach (var t in initializers) Field(o, 5, t);
        foreach (var i in inputs) Field(o, 11, i);
        foreach (var i in outputs) Field(o, 12, i);
    });

    public static byte[] Node(string opType, string name, string[] inputs, string[] outputs, string domain = "") => Message(o =>
    {
        foreach (var i in inputs) Text(o, 1, i);
        foreach (var i in outputs) Text(o, 2, i);
        Text(o, 3, name);
        Text(o, 4, opType);
        if (domain.Length > 0) Text(o, 7, domain);
    });

    /// <summary>ValueInfoProto of a float tensor with fixed dims.</summary>
    public static byte[] Value(string name, params long[] dims) => Message(o =>
    {
        Text(o, 1, name);
        Field(o, 2, Message(t => Field(t, 1, Message(tt =>          // TypeProto.tensor_type
        {
            Varint(tt, 1, Float);                                   // elem_type
            Field(tt, 2, Message(sh =>                              // shape
            {
                foreach (var d in dims) Field(sh, 1, Message(dm => Varint(dm, 1, d)));
            }));
        }))));
    });

    /// <summary>TensorProto with dims and either inline int64 values or an external-data reference.</summary>
    public static byte[] Tensor(string name, long[] dims, int dataType, long[]? int64Values = null) => Message(o =>
    {
        foreach (var d in dims) Varint(o, 1, d);
        Varint(o, 2, dataType);
        Text(o, 8, name);
        if (int64Values is not null)
            foreach (var v in int64Values) Varint(o, 7, v);
        else
        {
            Field(o, 13, Message(e => { Text(e, 1, "location"); Text(e, 2, "weights.bin"); }));  // external_data
            Varint(o, 14, 1);                                                                    // data_location = EXTERNAL
        }
    });
}
