"""A small FastAPI LLM gateway with every happy and unhappy path worth testing."""
