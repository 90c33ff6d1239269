using Tessera.Workloads.Onnx;
using Xunit.Abstractions;

namespace Tessera.Tests.Onnx;

public class OnnxDumpTests(ITestOutputHelper output)
{
    [Fact]
    public void Dump()
    {
        var files = Directory.GetFiles(TestData.Shared("data", "onnx"), "*.onnx")
            .Concat(Directory.GetFiles(TestData.Shared("data", "stream-tutorial"), "*.onnx", SearchOption.AllDirectories));
        foreach (var f in files)
        {
            var m = OnnxImporter.Read(f);
            output.WriteLine($"{f}: opset {m.DefaultOpset} ops {string.Join(",", m.Graph.Nodes.GroupBy(n => n.OpType).Select(g => $"{g.Key}x{g.Count()}"))}");
            output.WriteLine("  inputs " + string.Join(" ", m.Graph.Inputs.Select(i => $"{i.Name}[{string.Join(",", i.Shape?.Select(d => d.Value?.ToString() ?? d.Param) ?? [])}]")));
            output.WriteLine("  inits " + string.Join(" ", m.Graph.Initializers.Take(6).Select(i => $"{i.Name}[{string.Join(",", i.Dims)}]{i.External}{i.RawData.Length}")));
            try
            {
                var g = OnnxImporter.Load(f);
                output.WriteLine($"  OK macs {g.Macs} params {g.ParameterCount} ops {g.Operators.Length}");
            }
            catch (Exception e) { output.WriteLine("  FAIL " + e.Message); }
        }
    }
}
