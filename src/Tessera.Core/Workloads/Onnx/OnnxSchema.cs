using System.Collections.Immutable;
using Google.Protobuf;

namespace Tessera.Workloads.Onnx;

// A hand-written subset of onnx.proto: only the messages and fields Tessera reads. Field numbers follow
// the public ONNX specification (onnx/onnx.proto); every other field is skipped.

/// <summary>ONNX TensorProto.DataType values that shape inference distinguishes.</summary>
internal static class OnnxDataType
{
    public const int Undefined = 0;
    public const int Float = 1;
    public const int UInt8 = 2;
    public const int Int8 = 3;
    public const int UInt16 = 4;
    public const int Int16 = 5;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int String = 8;
    public const int Bool = 9;
    public const int Float16 = 10;
    public const int Double = 11;
    public const int UInt32 = 12;
    public const int UInt64 = 13;
    public const int BFloat16 = 16;

    /// <summary>Integer and boolean types: folded arithmetic truncates for these.</summary>
    public static bool IsIntegral(int type) =>
        type is UInt8 or Int8 or UInt16 or Int16 or Int32 or Int64 or Bool or UInt32 or UInt64;
}

/// <summary>AttributeProto.AttributeType values.</summary>
internal enum OnnxAttributeType
{
    Undefined = 0, Float = 1, Int = 2, String = 3, Tensor = 4, Graph = 5,
    Floats = 6, Ints = 7, Strings = 8, Tensors = 9, Graphs = 10,
}

/// <summary>TensorProto: dims and data type always; values only when stored inline.</summary>
internal sealed record OnnxTensor(
    string Name, ImmutableArray<long> Dims, int DataType, ByteString RawData,
    ImmutableArray<long> Int64Data, ImmutableArray<int> Int32Data, ImmutableArray<float> FloatData,
    ImmutableArray<double> DoubleData, bool External)
{
    public long ElementCount => Dims.Aggregate(1L, (p, d) => p * d);
}

internal sealed record OnnxAttribute(
    string Name, OnnxAttributeType Type, long I, float F, ByteString S,
    ImmutableArray<long> Ints, ImmutableArray<float> Floats, OnnxTensor? T)
{
    public string Text => S.ToStringUtf8();
}

internal sealed record OnnxNode(
    string Name, string OpType, string Domain, ImmutableArray<string> Inputs, ImmutableArray<string> Outputs,
    ImmutableDictionary<string, OnnxAttribute> Attributes);

/// <summary>One dimension of a declared shape: a value, a symbol, or neither (unknown).</summary>
internal sealed record OnnxDim(long? Value, string? Param);

/// <summary>ValueInfoProto restricted to tensor types; <see cref="Shape"/> is null when no shape is declared.</summary>
internal sealed record OnnxValueInfo(string Name, int ElemType, ImmutableArray<OnnxDim>? Shape, bool IsTensor);

internal sealed record OnnxGraph(
    ImmutableArray<OnnxNode> Nodes, ImmutableArray<OnnxTensor> Initializers,
    ImmutableArray<OnnxValueInfo> Inputs, ImmutableArray<OnnxValueInfo> Outputs, ImmutableArray<OnnxValueInfo> ValueInfo,
    string Name);

internal sealed record OnnxModel(OnnxGraph Graph, ImmutableDictionary<string, long> Opsets)
{
    /// <summary>Opset of the default (ai.onnx) domain; 1 when the model does not say.</summary>
    public long DefaultOpset => Opsets.TryGetValue("", out var v) ? v : Opsets.GetValueOrDefault("ai.onnx", 1);
}

/// <summary>Malformed protobuf content; the importer turns it into a TesseraInputException.</summary>
internal sealed class OnnxFormatException(string message) : Exception(message);

/// <summary>Decodes the ONNX subset with <see cref="CodedInputStream"/>: read a tag, switch on the field number, skip the rest.</summary>
internal static class OnnxReader
{
    // Protobuf wire types (protobuf encoding specification).
    private const int WireVarint = 0;
    private const int WireFixed64 = 1;
    private const int WireLengthDelimited = 2;
    private const int WireFixed32 = 5;

    public static OnnxModel ReadModel(byte[] bytes)
    {
        var input = new CodedInputStream(bytes);
        OnnxGraph? graph = null;
        var opsets = ImmutableDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 7: graph = ReadGraph(Nested(input, tag)); break;      // ModelProto.graph
                case 8:                                                     // ModelProto.opset_import
                    var (domain, version) = ReadOpset(Nested(input, tag));
                    opsets[domain] = version;
                    break;
                default: Skip(input, tag); break;
            }
        }
        return new OnnxModel(graph ?? throw new OnnxFormatException("the model has no graph"), opsets.ToImmutable());
    }

    private static (string, long) ReadOpset(CodedInputStream input)
    {
        string domain = "";
        long version = 1;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: domain = ReadString(input, tag); break;   // OperatorSetIdProto.domain
                case 2: version = ReadVarint(input, tag); break;  // OperatorSetIdProto.version
                default: Skip(input, tag); break;
            }
        }
        return (domain, version);
    }

    private static OnnxGraph ReadGraph(CodedInputStream input)
    {
        var nodes = ImmutableArray.CreateBuilder<OnnxNode>();
        var inits = ImmutableArray.CreateBuilder<OnnxTensor>();
        var inputs = ImmutableArray.CreateBuilder<OnnxValueInfo>();
        var outputs = ImmutableArray.CreateBuilder<OnnxValueInfo>();
        var infos = ImmutableArray.CreateBuilder<OnnxValueInfo>();
        string name = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: nodes.Add(ReadNode(Nested(input, tag))); break;          // GraphProto.node
                case 2: name = ReadString(input, tag); break;                    // GraphProto.name
                case 5: inits.Add(ReadTensor(Nested(input, tag))); break;        // GraphProto.initializer
                case 11: inputs.Add(ReadValueInfo(Nested(input, tag))); break;   // GraphProto.input
                case 12: outputs.Add(ReadValueInfo(Nested(input, tag))); break;  // GraphProto.output
                case 13: infos.Add(ReadValueInfo(Nested(input, tag))); break;    // GraphProto.value_info
                default: Skip(input, tag); break;
            }
        }
        return new OnnxGraph(nodes.ToImmutable(), inits.ToImmutable(), inputs.ToImmutable(), outputs.ToImmutable(),
            infos.ToImmutable(), name);
    }

    private static OnnxNode ReadNode(CodedInputStream input)
    {
        var ins = ImmutableArray.CreateBuilder<string>();
        var outs = ImmutableArray.CreateBuilder<string>();
        var attrs = ImmutableDictionary.CreateBuilder<string, OnnxAttribute>(StringComparer.Ordinal);
        string name = "", opType = "", domain = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: ins.Add(ReadString(input, tag)); break;     // NodeProto.input
                case 2: outs.Add(ReadString(input, tag)); break;    // NodeProto.output
                case 3: name = ReadString(input, tag); break;       // NodeProto.name
                case 4: opType = ReadString(input, tag); break;     // NodeProto.op_type
                case 5:                                             // NodeProto.attribute
                    var a = ReadAttribute(Nested(input, tag));
                    attrs[a.Name] = a;
                    break;
                case 7: domain = ReadString(input, tag); break;     // NodeProto.domain
                default: Skip(input, tag); break;
            }
        }
        return new OnnxNode(name, opType, domain, ins.ToImmutable(), outs.ToImmutable(), attrs.ToImmutable());
    }

    private static OnnxAttribute ReadAttribute(CodedInputStream input)
    {
        string name = "";
        var type = OnnxAttributeType.Undefined;
        long i = 0;
        float f = 0;
        var s = ByteString.Empty;
        OnnxTensor? t = null;
        var ints = new List<long>();
        var floats = new List<float>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: name = ReadString(input, tag); break;                        // name
                case 2: f = ReadFloat(input, tag); break;                            // f
                case 3: i = ReadVarint(input, tag); break;                           // i
                case 4: s = ReadBytes(input, tag); break;                            // s
                case 5: t = ReadTensor(Nested(input, tag)); break;                   // t
                case 7: ReadFloats(input, tag, floats); break;                       // floats
                case 8: ReadVarints(input, tag, ints); break;                        // ints
                case 20: type = (OnnxAttributeType)ReadVarint(input, tag); break;    // type
                default: Skip(input, tag); break;
            }
        }
        return new OnnxAttribute(name, type, i, f, s, [.. ints], [.. floats], t);
    }

    /// <summary>A serialized TensorProto on its own (the .pb files of ONNX test data sets).</summary>
    public static OnnxTensor ReadTensor(byte[] bytes) => ReadTensor(new CodedInputStream(bytes));

    private static OnnxTensor ReadTensor(CodedInputStream input)
    {
        var dims = new List<long>();
        var i64 = new List<long>();
        var i32 = new List<long>();
        var fl = new List<float>();
        var dbl = new List<double>();
        int dataType = 0;
        string name = "";
        var raw = ByteString.Empty;
        bool external = false;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: ReadVarints(input, tag, dims); break;                        // dims
                case 2: dataType = (int)ReadVarint(input, tag); break;               // data_type
                case 4: ReadFloats(input, tag, fl); break;                           // float_data
                case 5: ReadVarints(input, tag, i32); break;                         // int32_data
                case 7: ReadVarints(input, tag, i64); break;                         // int64_data
                case 8: name = ReadString(input, tag); break;                        // name
                case 9: raw = ReadBytes(input, tag); break;                          // raw_data
                case 10: ReadDoubles(input, tag, dbl); break;                        // double_data
                case 13: external = true; Skip(input, tag); break;                   // external_data
                case 14: external |= ReadVarint(input, tag) == 1; break;             // data_location: 1 = EXTERNAL
                default: Skip(input, tag); break;
            }
        }
        return new OnnxTensor(name, [.. dims], dataType, raw, [.. i64], [.. i32.Select(v => (int)v)], [.. fl], [.. dbl], external);
    }

    private static OnnxValueInfo ReadValueInfo(CodedInputStream input)
    {
        string name = "";
        int elemType = 0;
        ImmutableArray<OnnxDim>? shape = null;
        bool isTensor = false;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: name = ReadString(input, tag); break;                        // ValueInfoProto.name
                case 2:                                                              // ValueInfoProto.type
                    var type = Nested(input, tag);
                    uint t2;
                    while ((t2 = type.ReadTag()) != 0)
                    {
                        if (WireFormat.GetTagFieldNumber(t2) == 1)                   // TypeProto.tensor_type
                        {
                            isTensor = true;
                            (elemType, shape) = ReadTensorType(Nested(type, t2));
                        }
                        else Skip(type, t2);
                    }
                    break;
                default: Skip(input, tag); break;
            }
        }
        return new OnnxValueInfo(name, elemType, shape, isTensor);
    }

    private static (int, ImmutableArray<OnnxDim>?) ReadTensorType(CodedInputStream input)
    {
        int elemType = 0;
        ImmutableArray<OnnxDim>? shape = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: elemType = (int)ReadVarint(input, tag); break;               // elem_type
                case 2:                                                              // shape (TensorShapeProto)
                    var dims = ImmutableArray.CreateBuilder<OnnxDim>();
                    var s = Nested(input, tag);
                    uint t2;
                    while ((t2 = s.ReadTag()) != 0)
                    {
                        if (WireFormat.GetTagFieldNumber(t2) == 1) dims.Add(ReadDim(Nested(s, t2)));  // dim
                        else Skip(s, t2);
                    }
                    shape = dims.ToImmutable();
                    break;
                default: Skip(input, tag); break;
            }
        }
        return (elemType, shape);
    }

    private static OnnxDim ReadDim(CodedInputStream input)
    {
        long? value = null;
        string? param = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: value = ReadVarint(input, tag); break;     // dim_value
                case 2: param = ReadString(input, tag); break;     // dim_param
                default: Skip(input, tag); break;
            }
        }
        return new OnnxDim(value, param);
    }

    // --- wire helpers: each checks the wire type so that corrupt bytes fail loudly rather than misparse ---

    private static void Expect(uint tag, int wireType)
    {
        if ((int)WireFormat.GetTagWireType(tag) != wireType)
            throw new OnnxFormatException($"field {WireFormat.GetTagFieldNumber(tag)} has wire type {(int)WireFormat.GetTagWireType(tag)}, expected {wireType}");
    }

    private static CodedInputStream Nested(CodedInputStream input, uint tag) =>
        new(ReadBytes(input, tag).ToByteArray());

    private static ByteString ReadBytes(CodedInputStream input, uint tag)
    {
        Expect(tag, WireLengthDelimited);
        return input.ReadBytes();
    }

    private static string ReadString(CodedInputStream input, uint tag)
    {
        Expect(tag, WireLengthDelimited);
        return input.ReadString();
    }

    private static long ReadVarint(CodedInputStream input, uint tag)
    {
        Expect(tag, WireVarint);
        return input.ReadInt64();
    }

    private static float ReadFloat(CodedInputStream input, uint tag)
    {
        Expect(tag, WireFixed32);
        return input.ReadFloat();
    }

    /// <summary>Repeated varints arrive packed (one length-delimited field) or one per tag.</summary>
    private static void ReadVarints(CodedInputStream input, uint tag, List<long> into)
    {
        if ((int)WireFormat.GetTagWireType(tag) == WireLengthDelimited)
        {
            var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
            while (!packed.IsAtEnd) into.Add(packed.ReadInt64());
        }
        else into.Add(ReadVarint(input, tag));
    }

    private static void ReadFloats(CodedInputStream input, uint tag, List<float> into)
    {
        if ((int)WireFormat.GetTagWireType(tag) == WireLengthDelimited)
        {
            var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
            while (!packed.IsAtEnd) into.Add(packed.ReadFloat());
        }
        else into.Add(ReadFloat(input, tag));
    }

    private static void ReadDoubles(CodedInputStream input, uint tag, List<double> into)
    {
        if ((int)WireFormat.GetTagWireType(tag) == WireLengthDelimited)
        {
            var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
            while (!packed.IsAtEnd) into.Add(packed.ReadDouble());
        }
        else
        {
            Expect(tag, WireFixed64);
            into.Add(input.ReadDouble());
        }
    }

    private static void Skip(CodedInputStream input, uint tag)
    {
        // Wire types 3 and 4 (groups) are not used by onnx.proto; anything above 5 is corrupt.
        var wire = (int)WireFormat.GetTagWireType(tag);
        if (wire is not (WireVarint or WireFixed64 or WireLengthDelimited or WireFixed32))
            throw new OnnxFormatException($"field {WireFormat.GetTagFieldNumber(tag)} has unknown wire type {wire}");
        input.SkipLastField();
    }
}
