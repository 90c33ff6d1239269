namespace Tessera.Diagnostics;

/// <summary>
/// A valid input with no schedule: more models than chiplets for a baseline, a layer that fits no memory, a latency
/// limit no candidate meets, a solver that found nothing in time. Schedulers throw it; the scenario runner turns it
/// into a result that carries the reason, so experiments report it as a cell and the CLI exits with code 1.
/// </summary>
public sealed class InfeasibleException : Exception
{
    public InfeasibleException(string message) : base(message) { }

    public InfeasibleException(string message, Exception inner) : base(message, inner) { }

    public InfeasibleException() { }
}
