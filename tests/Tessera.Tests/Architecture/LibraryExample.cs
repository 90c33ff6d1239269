// The example of docs/library.md, compiled here; LibraryExampleTests runs it and checks that the page quotes it.
using Tessera.Costs;
using Tessera.Evaluation;
using Tessera.Interop;
using Tessera.Scheduling;
using Tessera.Simulation;
using Tessera.Technology;
using Tessera.Workloads;
using Tessera.Workloads.Onnx;

namespace Tessera.Tests.Architecture;

// example: library
/// <summary>Tessera as a library: load a model, build a package, simulate the schedule and read the result.</summary>
public static class LibraryExample
{
    public static EvaluationResult Run(string onnxPath)
    {
        var technology = TechnologyLibrary.LoadDefault();
        var model = OnnxImporter.Load(onnxPath);                          // or ModelZoo.Create("resnet18")
        var package = HardwareLoader.Load("scar-2x2-het", technology);     // a preset name or a hardware YAML file
        var costModel = CostModels.Create("loopnest");
        var graph = new LayerByLayerPartitioner(costModel).Partition(package, [new ModelInstance("net", model, 1)]);
        var simulation = new Simulator(costModel).Simulate("library example", package, graph);
        var result = simulation.Evaluation;
        // result.LatencySeconds, result.Energy (by part), result.Edp, result.Placements (per operator), result.Resources …
        return result;
    }
}
// end
