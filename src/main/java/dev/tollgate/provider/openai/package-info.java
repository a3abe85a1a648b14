/** OpenAI and every OpenAI-compatible server (vLLM, Ollama, Groq, Together...). */
@NullMarked
package dev.tollgate.provider.openai;

import org.jspecify.annotations.NullMarked;
