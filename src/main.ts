document.querySelector('notebook-app')!.textContent = 'Notebook coming up.';
