using System.Collections.Immutable;

namespace Tessera.Workloads;

/// <summary>Where a tensor's values come from: computed, fed to the model, or stored with it.</summary>
public enum TensorKind { Activation, ModelInput, Parameter }

/// <summary>A tensor of a model graph with its shape and element width.</summary>
public sealed record Tensor(string Name, ImmutableArray<long> Shape, int Bits, TensorKind Kind)
{
    public long Elements => Shape.Aggregate(1L, (product, d) => checked(product * d));

    /// <summary>Bytes rounded up to whole bytes.</summary>
    public long Bytes => (Elements * Bits + 7) / 8;

    public override string ToString() => $"{Name}[{string.Join('×', Shape)}]";
}
