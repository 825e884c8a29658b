namespace Eval.Core.Suites;

/// <summary>
/// The harness version that goes into every case hash. Bump it when a change alters the figures a case produces,
/// so stored results of the old code are not reused as if they were current.
/// </summary>
public static class HarnessVersion
{
    // 0.2.0: passkey prompts leave room for the key inside the context length.
    // 0.2.1: tail windows are cut from the BOS-prefixed stream, as llama.cpp's (each window's BOS replaces token kL - 1, not kL).
    // 0.3.0: factor=auto is the case's max(1, L / L0) for every forward pass (sliding last windows, passkey generation).
    // 0.4.0: passkey generation stops at the context length (it fed tokens past L, where a learned table has no row).
    public const string Current = "0.4.0";
}
