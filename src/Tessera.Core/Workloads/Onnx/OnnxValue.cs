using Tessera.Diagnostics;

namespace Tessera.Workloads.Onnx;

/// <summary>
/// What shape inference knows about one tensor: its shape, element type, whether it is a compile-time
/// constant, and — for small constants stored inline — its values (doubles hold every int64 shape value exactly).
/// </summary>
internal sealed record OnnxValue(long[] Shape, int ElemType, bool IsConstant, double[]? Values)
{
    /// <summary>Constants with more elements are tracked by shape only: shape arithmetic never needs them.</summary>
    public const long MaxFoldedElements = 1 << 16;

    public long Elements => Shape.Aggregate(1L, (p, d) => p * d);

    public static OnnxValue Activation(long[] shape, int elemType) => new(shape, elemType, false, null);

    public static OnnxValue Constant(long[] shape, int elemType, double[]? values) =>
        new(shape, elemType, true, values is not null && values.LongLength <= MaxFoldedElements ? values : null);

    /// <summary>Decodes an initializer or Constant tensor's inline values; null when absent or external.</summary>
    public static double[]? Decode(OnnxTensor t)
    {
        long count = t.ElementCount;
        if (t.External || count > MaxFoldedElements || count < 0) return null;
        if (count == 0) return [];
        if (!t.RawData.IsEmpty) return DecodeRaw(t.RawData.Span, t.DataType, count);
        if (t.Int64Data.Length == count) return [.. t.Int64Data.Select(v => (double)v)];
        if (t.Int32Data.Length == count) return [.. t.Int32Data.Select(v => (double)v)];
        if (t.FloatData.Length == count) return [.. t.FloatData.Select(v => (double)v)];
        if (t.DoubleData.Length == count) return [.. t.DoubleData];
        return null;
    }

    private static double[]? DecodeRaw(ReadOnlySpan<byte> raw, int type, long count)
    {
        int size = type switch
        {
            OnnxDataType.Int64 or OnnxDataType.Double or OnnxDataType.UInt64 => 8,
            OnnxDataType.Int32 or OnnxDataType.Float or OnnxDataType.UInt32 => 4,
            OnnxDataType.Int16 or OnnxDataType.UInt16 or OnnxDataType.Float16 or OnnxDataType.BFloat16 => 2,
            OnnxDataType.Int8 or OnnxDataType.UInt8 or OnnxDataType.Bool => 1,
            _ => 0,
        };
        if (size == 0 || raw.Length != count * size) return null;
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            var b = raw.Slice(i * size, size);
            // ONNX raw_data is little-endian (onnx.proto, TensorProto.raw_data).
            values[i] = type switch
            {
                OnnxDataType.Int64 => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(b),
                OnnxDataType.UInt64 => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(b),
                OnnxDataType.Double => System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(b),
                OnnxDataType.Int32 => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(b),
                OnnxDataType.UInt32 => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b),
                OnnxDataType.Float => System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(b),
                OnnxDataType.Int16 => System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(b),
                OnnxDataType.UInt16 => System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(b),
                OnnxDataType.Float16 => (double)System.Buffers.Binary.BinaryPrimitives.ReadHalfLittleEndian(b),
                OnnxDataType.BFloat16 => BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(b) << 16),
                OnnxDataType.Int8 => (sbyte)b[0],
                _ => b[0],
            };
        }
        return values;
    }

    /// <summary>Converts a folded value to an integer, saturating the int64 sentinels used by Slice.</summary>
    public static long ToLong(double v) =>
        v >= long.MaxValue ? long.MaxValue : v <= long.MinValue ? long.MinValue : (long)v;

    /// <summary>The tensor's values as integers; throws naming the node when they are not in the file.</summary>
    public long[] Ints(string where, string node, string tensor) =>
        [.. (Values ?? throw MissingValues(where, node, tensor)).Select(ToLong)];

    public double[] Reals(string where, string node, string tensor) =>
        Values ?? throw MissingValues(where, node, tensor);

    private TesseraInputException MissingValues(string where, string node, string tensor) =>
        TesseraInputException.At(where, IsConstant
            ? $"node '{node}' needs the values of '{tensor}', which are not stored in the file (external data or too large)"
            : $"node '{node}' needs the values of '{tensor}', which are only known at run time");
}
