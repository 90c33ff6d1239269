namespace Tessera.Workloads.Onnx;

/// <summary>Options for ONNX import: the batch to substitute for the model inputs' leading dimension, and bit width.</summary>
public sealed record OnnxImportOptions(int? Batch = null, int Bits = 8);

/// <summary>Reads shape-only .onnx files into the workload IR.</summary>
public static class OnnxImporter
{
    public static ModelGraph Load(string path, OnnxImportOptions? options = null) => throw new NotImplementedException();
}
